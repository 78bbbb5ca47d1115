package io.chelonia.agent.lifecycle;

/**
 * Closes several resources in order and all of them, even when one fails: a failed close must not
 * leave the next probe attached, the next descriptor open or the next thread running.
 */
public final class Closing {
  private Closing() {}

  /**
   * Closes each resource in the order given, skipping nulls; throws the first failure with the
   * later ones suppressed into it (a checked one wrapped in an {@link IllegalStateException}).
   */
  public static void closeAll(AutoCloseable... resources) {
    Throwable first = null;
    for (AutoCloseable resource : resources) {
      try {
        if (resource != null) {
          resource.close();
        }
      } catch (Throwable e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    switch (first) {
      case null -> {}
      case RuntimeException runtime -> throw runtime;
      case Error error -> throw error;
      default -> throw new IllegalStateException("close failed", first);
    }
  }
}
