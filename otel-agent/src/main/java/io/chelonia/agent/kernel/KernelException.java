package io.chelonia.agent.kernel;

/**
 * A failure of the kernel side that the user can act on: the message is one line that says what
 * failed and what to do, without a stack trace.
 */
public class KernelException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int errno;

  public KernelException(String message) {
    this(message, 0);
  }

  public KernelException(String message, int errno) {
    super(message);
    this.errno = errno;
  }

  /**
   * "cannot WHAT: ERRNO" for a failed call; {@code errno} may be negative, as libbpf returns it.
   */
  static KernelException cannot(String what, int errno) {
    int code = Math.abs(errno);
    return new KernelException("cannot " + what + ": " + Errno.describe(code), code);
  }

  /** The errno behind the failure, 0 when there is none. */
  public int errno() {
    return errno;
  }
}
