package io.chelonia.bench;

/** Every load program stops by itself: a run that loses its script must not load the machine. */
final class Deadline {
  private Deadline() {}

  /** Ends the program after so long with this status: 0 when stopping is its normal end. */
  static void exitAfter(long seconds, int status) {
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              try {
                Thread.sleep(seconds * 1_000);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              Runtime.getRuntime().halt(status);
            });
  }

  /** One line on stdout that a script waits for, flushed at once. */
  static void announce(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
