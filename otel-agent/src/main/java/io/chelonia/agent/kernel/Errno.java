package io.chelonia.agent.kernel;

/** The few errno values the agent reacts to, and their names for messages. */
public final class Errno {
  /** Operation not permitted: a missing capability. */
  public static final int EPERM = 1;

  static final int ENOENT = 2;
  static final int EINTR = 4;
  static final int EAGAIN = 11;
  public static final int EACCES = 13;
  static final int EINVAL = 22;
  static final int E2BIG = 7;
  static final int ENOSPC = 28;
  static final int ENOTSUP = 95;

  private Errno() {}

  static String describe(int errno) {
    int code = Math.abs(errno);
    return switch (code) {
      case EPERM -> "EPERM (operation not permitted)";
      case ENOENT -> "ENOENT (no such entry)";
      case EACCES -> "EACCES (permission denied)";
      case EINVAL -> "EINVAL (invalid argument)";
      case E2BIG -> "E2BIG (too big)";
      case ENOSPC -> "ENOSPC (no space)";
      case ENOTSUP -> "ENOTSUP (not supported)";
      default -> "errno " + code;
    };
  }
}
