package io.chelonia.agent.link;

import java.util.EnumMap;
import java.util.Map;

/**
 * Cumulative totals: one link's since the agent first saw it, or the sum of several links (the
 * overflow series).
 *
 * @param bytesClientToServer payload the server acknowledged (client side) or received (server)
 * @param bytesServerToClient payload in the other direction
 * @param connectionsOpened connections that reached ESTABLISHED while the agent watched
 * @param activeConnections connections open now (including those older than the agent)
 * @param failures failed connections by reason
 * @param retransmits segments retransmitted on the link's sockets
 * @param rtt smoothed-RTT samples
 * @param datagramsClientToServer UDP datagrams the client sent (client side) or the server received
 * @param datagramsServerToClient UDP datagrams in the other direction
 */
public record LinkTotals(
    long bytesClientToServer,
    long bytesServerToClient,
    long connectionsOpened,
    long activeConnections,
    Map<FailureReason, Long> failures,
    long retransmits,
    RttSummary rtt,
    long datagramsClientToServer,
    long datagramsServerToClient) {

  public static final LinkTotals ZERO = new LinkTotals(0, 0, 0, 0, Map.of(), 0, RttSummary.EMPTY);

  public LinkTotals {
    failures = Map.copyOf(failures);
  }

  /** A TCP link's totals: no datagrams. */
  public LinkTotals(
      long bytesClientToServer,
      long bytesServerToClient,
      long connectionsOpened,
      long activeConnections,
      Map<FailureReason, Long> failures,
      long retransmits,
      RttSummary rtt) {
    this(
        bytesClientToServer,
        bytesServerToClient,
        connectionsOpened,
        activeConnections,
        failures,
        retransmits,
        rtt,
        0,
        0);
  }

  public long failureCount() {
    return failures.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Both totals summed. */
  public LinkTotals plus(LinkTotals other) {
    Map<FailureReason, Long> sum = new EnumMap<>(FailureReason.class);
    sum.putAll(failures);
    other.failures.forEach((reason, count) -> sum.merge(reason, count, Long::sum));
    return new LinkTotals(
        bytesClientToServer + other.bytesClientToServer,
        bytesServerToClient + other.bytesServerToClient,
        connectionsOpened + other.connectionsOpened,
        activeConnections + other.activeConnections,
        sum,
        retransmits + other.retransmits,
        rtt.combine(other.rtt),
        datagramsClientToServer + other.datagramsClientToServer,
        datagramsServerToClient + other.datagramsServerToClient);
  }

  /** The same totals with nothing open: what a link leaves behind when it expires. */
  public LinkTotals closed() {
    return new LinkTotals(
        bytesClientToServer,
        bytesServerToClient,
        connectionsOpened,
        0,
        failures,
        retransmits,
        rtt,
        datagramsClientToServer,
        datagramsServerToClient);
  }
}
