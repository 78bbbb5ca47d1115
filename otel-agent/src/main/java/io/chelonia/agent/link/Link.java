package io.chelonia.agent.link;

import java.time.Instant;
import java.util.Map;

/**
 * One link's cumulative totals since the agent first saw it.
 *
 * @param bytesClientToServer payload the server acknowledged (client side) or received (server)
 * @param bytesServerToClient payload in the other direction
 * @param connectionsOpened connections that reached ESTABLISHED while the agent watched
 * @param activeConnections connections open now (including those older than the agent)
 * @param failures failed connections by reason
 * @param retransmits segments retransmitted on this link's sockets
 * @param rtt smoothed-RTT samples
 * @param firstSeen when the link was first seen: the start of its cumulative series
 * @param lastSeen when the link last carried anything or had an open connection
 */
public record Link(
    LinkKey key,
    long bytesClientToServer,
    long bytesServerToClient,
    long connectionsOpened,
    long activeConnections,
    Map<FailureReason, Long> failures,
    long retransmits,
    RttSummary rtt,
    Instant firstSeen,
    Instant lastSeen) {

  public Link {
    failures = Map.copyOf(failures);
  }

  public long failureCount() {
    return failures.values().stream().mapToLong(Long::longValue).sum();
  }
}
