package io.chelonia.agent.testing;

import io.chelonia.agent.lifecycle.Closing;

/** Closing what a failed start opened, each one even when an earlier one failed. */
public final class Cleanup {
  private Cleanup() {}

  /**
   * Closes the given ones after {@code failure}, as {@link Closing#closeAll} does, adding what they
   * throw to it as suppressed; returns {@code failure}, for the caller to throw.
   */
  public static RuntimeException closeAfter(RuntimeException failure, AutoCloseable... closeables) {
    try {
      Closing.closeAll(closeables);
    } catch (RuntimeException cleanup) {
      failure.addSuppressed(cleanup);
    }
    return failure;
  }
}
