package io.chelonia.agent.kernel;

/** Which end of a TCP connection a socket is, as the kernel programs decided it. */
public enum SocketRole {
  UNKNOWN,
  CLIENT,
  SERVER;

  static SocketRole fromKernel(int value) {
    return switch (value) {
      case KernelConstants.ROLE_CLIENT -> CLIENT;
      case KernelConstants.ROLE_SERVER -> SERVER;
      default -> UNKNOWN;
    };
  }
}
