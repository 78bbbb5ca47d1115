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
 */
public record LinkTotals(
    long bytesClientToServer,
    long bytesServerToClient,
    long connectionsOpened,
    long activeConnections,
    Map<FailureReason, Long> failures,
    long retransmits,
    RttSummary rtt) {

  public static final LinkTotals ZERO = new LinkTotals(0, 0, 0, 0, Map.of(), 0, RttSummary.EMPTY);

  public LinkTotals {
    failures = Map.copyOf(failures);
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
        rtt.combine(other.rtt));
  }

  /** The same totals with nothing open: what a link leaves behind when it expires. */
  public LinkTotals closed() {
    return new LinkTotals(
        bytesClientToServer, bytesServerToClient, connectionsOpened, 0, failures, retransmits, rtt);
  }
}
