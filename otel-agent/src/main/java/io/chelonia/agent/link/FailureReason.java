package io.chelonia.agent.link;

import java.util.Optional;

/** Why a connection failed, as the {@code error.type} attribute says it. */
public enum FailureReason {
  REFUSED("refused"),
  TIMEOUT("timeout"),
  UNREACHABLE("unreachable"),
  RESET("reset"),
  /** The client found no free local port: nothing went on the wire (EADDRNOTAVAIL). */
  LOCAL_PORT_EXHAUSTED("local_port_exhausted"),
  OTHER("other");

  private static final int EPIPE = 32;
  private static final int EADDRNOTAVAIL = 99;
  private static final int ENETDOWN = 100;
  private static final int ENETUNREACH = 101;
  private static final int ECONNRESET = 104;
  private static final int ETIMEDOUT = 110;
  private static final int ECONNREFUSED = 111;
  private static final int EHOSTDOWN = 112;
  private static final int EHOSTUNREACH = 113;

  private final String value;

  FailureReason(String value) {
    this.value = value;
  }

  public String value() {
    return value;
  }

  /**
   * The failure of a closed socket, if it failed. A connection that never reached ESTABLISHED
   * failed: by its error, else by the last soft (ICMP) error, else it timed out (the client gave up
   * waiting for the handshake). An established connection failed only if it ended on an error (a
   * reset by the peer, a retransmission timeout, an unreachable peer).
   */
  public static Optional<FailureReason> of(boolean established, int error, int softError) {
    if (error != 0) {
      return Optional.of(fromErrno(error));
    }
    if (established) {
      return Optional.empty();
    }
    return Optional.of(softError != 0 ? fromErrno(softError) : TIMEOUT);
  }

  static FailureReason fromErrno(int errno) {
    return switch (errno) {
      case ECONNREFUSED -> REFUSED;
      case ETIMEDOUT -> TIMEOUT;
      case EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENETDOWN -> UNREACHABLE;
      case ECONNRESET, EPIPE -> RESET;
      case EADDRNOTAVAIL -> LOCAL_PORT_EXHAUSTED;
      default -> OTHER;
    };
  }
}
