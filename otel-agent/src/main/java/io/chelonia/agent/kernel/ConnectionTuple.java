package io.chelonia.agent.kernel;

import java.net.InetAddress;
import java.util.Objects;

/**
 * One direction of a TCP connection as connection tracking keys it: who sent, to whom. The original
 * direction is the client's; the reply direction of a translated connection has the backend that
 * answered as its source.
 */
public record ConnectionTuple(
    InetAddress source, int sourcePort, InetAddress destination, int destinationPort) {
  public ConnectionTuple {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(destination, "destination");
    if (source.getAddress().length != destination.getAddress().length) {
      throw new IllegalArgumentException(
          "source and destination of one family: " + source + ", " + destination);
    }
  }

  @Override
  public String toString() {
    return source.getHostAddress()
        + ":"
        + sourcePort
        + " -> "
        + destination.getHostAddress()
        + ":"
        + destinationPort;
  }
}
