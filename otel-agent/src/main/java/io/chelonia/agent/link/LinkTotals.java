package io.chelonia.agent.link;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

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
 * @param dnsAnswers on a UDP link to port 53 seen by its client: the DNS answers it received, by
 *     response code (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN...); empty elsewhere
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
    long datagramsServerToClient,
    Map<Integer, Long> dnsAnswers) {

  public static final LinkTotals ZERO =
      new LinkTotals(0, 0, 0, 0, Map.of(), 0, RttSummary.EMPTY, 0, 0, Map.of());

  public LinkTotals {
    failures = Map.copyOf(failures);
    dnsAnswers = Map.copyOf(dnsAnswers);
  }

  /** A TCP link's totals: no datagrams, no DNS answers. */
  public static LinkTotals tcp(
      long bytesClientToServer,
      long bytesServerToClient,
      long connectionsOpened,
      long activeConnections,
      Map<FailureReason, Long> failures,
      long retransmits,
      RttSummary rtt) {
    return new LinkTotals(
        bytesClientToServer,
        bytesServerToClient,
        connectionsOpened,
        activeConnections,
        failures,
        retransmits,
        rtt,
        0,
        0,
        Map.of());
  }

  /** A UDP link's totals: no connections, failures, retransmits or RTT samples. */
  public static LinkTotals udp(
      long bytesClientToServer,
      long bytesServerToClient,
      long datagramsClientToServer,
      long datagramsServerToClient,
      Map<Integer, Long> dnsAnswers) {
    return new LinkTotals(
        bytesClientToServer,
        bytesServerToClient,
        0,
        0,
        Map.of(),
        0,
        RttSummary.EMPTY,
        datagramsClientToServer,
        datagramsServerToClient,
        dnsAnswers);
  }

  /**
   * Queries a DNS client sent that got no answer (yet): its datagrams to the resolver less those
   * back, never below zero. Meaningful on a UDP link to port 53 seen by its client.
   */
  public long dnsUnanswered() {
    return Math.max(0, datagramsClientToServer - datagramsServerToClient);
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
        datagramsServerToClient + other.datagramsServerToClient,
        mergedAnswers(other));
  }

  private Map<Integer, Long> mergedAnswers(LinkTotals other) {
    if (other.dnsAnswers.isEmpty()) {
      return dnsAnswers;
    }
    Map<Integer, Long> sum = new TreeMap<>(dnsAnswers);
    other.dnsAnswers.forEach((rcode, count) -> sum.merge(rcode, count, Long::sum));
    return sum;
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
        datagramsServerToClient,
        dnsAnswers);
  }
}
