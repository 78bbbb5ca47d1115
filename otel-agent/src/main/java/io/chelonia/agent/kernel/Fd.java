package io.chelonia.agent.kernel;

/**
 * A file descriptor and who closes it, so that a bare {@code int} never travels between the kernel
 * classes. An owned descriptor is closed by {@link #close()}, once; a borrowed one (a map's or a
 * link's descriptor, which libbpf closes with its object) is never closed here.
 *
 * <p>Not thread-safe: the thread that opened a descriptor uses and closes it.
 */
final class Fd implements AutoCloseable {
  private final int number;
  private boolean owned;
  private boolean closed;

  private Fd(int number, boolean owned) {
    if (number < 0) {
      throw new IllegalArgumentException("not a file descriptor: " + number);
    }
    this.number = number;
    this.owned = owned;
  }

  /** A descriptor this object closes. */
  static Fd owned(int number) {
    return new Fd(number, true);
  }

  /** A descriptor someone else closes: {@link #close()} only stops this object's use of it. */
  static Fd borrowed(int number) {
    return new Fd(number, false);
  }

  /** The number, for the binding's calls only. */
  int number() {
    if (closed) {
      throw new IllegalStateException("file descriptor " + number + " used after close");
    }
    return number;
  }

  /** Hands the duty to close to the caller: {@link #close()} then leaves the descriptor open. */
  int disown() {
    int disowned = number();
    owned = false;
    closed = true;
    return disowned;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (owned) {
      LibC.get().close(number);
    }
  }

  @Override
  public String toString() {
    return "fd " + number + (owned ? "" : " (borrowed)") + (closed ? " (closed)" : "");
  }
}
