package io.chelonia.agent.tracing;

import java.net.InetAddress;
import java.util.Objects;

/** Where a client socket's connection went, as far as connection tracking told. */
public sealed interface ActualDestination {
  /** Not known yet: the lookup is queued or under way. */
  ActualDestination PENDING = new Pending();

  /**
   * Nothing translated the connection, or no entry was found: the socket's peer is where it went.
   */
  ActualDestination AS_DIALLED = new AsDialled();

  record Pending() implements ActualDestination {}

  record AsDialled() implements ActualDestination {}

  /** Translated (DNAT) to this address and port: the backend that answered. */
  record Translated(InetAddress address, int port) implements ActualDestination {
    public Translated {
      Objects.requireNonNull(address, "address");
    }
  }
}
