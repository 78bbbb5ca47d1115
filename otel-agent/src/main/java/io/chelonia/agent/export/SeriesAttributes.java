package io.chelonia.agent.export;

import io.chelonia.agent.link.Observer;
import io.chelonia.agent.link.Transport;
import io.opentelemetry.api.common.Attributes;

/**
 * The attribute sets of one admitted series, built once when it is admitted.
 *
 * @param caretta Caretta's labels, null unless Caretta compatibility is on
 * @param observer which end observed the link: Caretta counts the bytes that end sent
 * @param linkMetrics whether the link's {@code chelonia.link.*} series are exported; false: the
 *     other end's agent exports them ({@link Observers#ONCE}), Caretta's gauge only is
 * @param transport the link's: a UDP link has bytes and datagrams, no connection series
 * @param overflow the overflow series, which sums links of both transports
 * @param dnsClient a UDP link to port 53 seen by its client: it has the DNS health series
 */
record SeriesAttributes(
    LinkAttributes link,
    Attributes caretta,
    Observer observer,
    boolean linkMetrics,
    Transport transport,
    boolean overflow,
    boolean dnsClient) {

  /** A UDP link's: bytes and datagrams only. */
  boolean udp() {
    return transport == Transport.UDP;
  }
}
