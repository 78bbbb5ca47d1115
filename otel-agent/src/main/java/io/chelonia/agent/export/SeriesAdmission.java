package io.chelonia.agent.export;

import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkKey;
import io.chelonia.agent.link.LinkTotals;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.link.Transport;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which links get a series of their own, within the series limit. A link is admitted at first sight
 * while the limit allows and keeps its series until it expires; the others are summed into the
 * overflow series, which keeps what expired overflow links carried, so it never goes down.
 *
 * <p>Poll thread only.
 */
final class SeriesAdmission {
  private static final int DNS_PORT = 53;

  private final MetricsOptions options;
  private final SeriesAttributes overflowAttributes =
      new SeriesAttributes(
          LinkAttributes.overflow(), null, Observer.CLIENT, true, Transport.TCP, true, false);
  private final Map<LinkKey, SeriesAttributes> admitted = new HashMap<>();
  private final Set<LinkKey> overflowed = new HashSet<>();
  private LinkTotals retiredOverflow = LinkTotals.ZERO;
  private Instant overflowSince;

  SeriesAdmission(MetricsOptions options) {
    this.options = options;
  }

  /** Takes a poll's links, and the links expired since the last call. */
  SeriesSnapshot admit(List<Link> links, List<Link> expired) {
    for (Link gone : expired) {
      if (admitted.remove(gone.key()) == null && overflowed.remove(gone.key())) {
        retiredOverflow = retiredOverflow.plus(gone.totals().closed());
      }
    }
    List<Series> series = new ArrayList<>(Math.min(links.size(), admitted.size() + 16));
    LinkTotals overflow = retiredOverflow;
    for (Link link : links) {
      // Left to the client's agent: no series, unless Caretta's gauge (both roles, as Caretta
      // exports them) needs one.
      boolean exported = options.observers().exports(link.key());
      if (!exported && !caretta(link.key())) {
        continue;
      }
      SeriesAttributes attributes = admitted.get(link.key());
      if (attributes == null && !overflowed.contains(link.key())) {
        attributes = admit(link.key(), exported);
      }
      if (attributes != null) {
        series.add(new Series(attributes, nanos(link.firstSeen()), link.totals()));
      } else if (exported) {
        overflow = overflow.plus(link.totals());
        if (overflowSince == null || link.firstSeen().isBefore(overflowSince)) {
          overflowSince = link.firstSeen();
        }
      }
    }
    Series overflowSeries =
        overflowSince == null
            ? null
            : new Series(overflowAttributes, nanos(overflowSince), overflow);
    return new SeriesSnapshot(series, overflowSeries, overflowed.size());
  }

  private SeriesAttributes admit(LinkKey key, boolean exported) {
    // One place is kept for the overflow series, as the SDK's cardinality limit does.
    if (admitted.size() >= options.seriesLimit() - 1) {
      overflowed.add(key);
      return null;
    }
    SeriesAttributes attributes =
        new SeriesAttributes(
            LinkAttributes.of(key),
            caretta(key) ? CarettaLabels.of(key) : null,
            key.observer(),
            exported,
            key.transport(),
            false,
            key.transport() == Transport.UDP
                && key.serverPort() == DNS_PORT
                && key.observer() == Observer.CLIENT);
    admitted.put(key, attributes);
    return attributes;
  }

  /** Caretta's gauge is TCP's only, as Caretta's own map is. */
  private boolean caretta(LinkKey key) {
    return options.carettaCompatible() && key.transport() == Transport.TCP;
  }

  static long nanos(Instant instant) {
    return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
  }
}
