package io.chelonia.agent.testing;

/** Closing several things in a test's tear-down, each one even when an earlier one failed. */
public final class Cleanup {
  private Cleanup() {}

  /**
   * Closes each one, in order, skipping nulls; then throws the first failure, with the later ones
   * suppressed in it (a checked exception wrapped in an {@link IllegalStateException}).
   */
  public static void closeAll(AutoCloseable... closeables) {
    RuntimeException failure = null;
    for (AutoCloseable closeable : closeables) {
      try {
        if (closeable != null) {
          closeable.close();
        }
      } catch (Exception e) {
        if (failure == null) {
          failure = e instanceof RuntimeException r ? r : new IllegalStateException("cleanup failed", e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Closes the given ones after {@code failure}, as {@link #closeAll} does, adding what they throw
   * to it as suppressed; returns {@code failure}, for the caller to throw.
   */
  public static RuntimeException closeAfter(RuntimeException failure, AutoCloseable... closeables) {
    try {
      closeAll(closeables);
    } catch (RuntimeException cleanup) {
      failure.addSuppressed(cleanup);
    }
    return failure;
  }
}
