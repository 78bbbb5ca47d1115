package io.chelonia.agent.export;

import io.chelonia.agent.link.FailureReason;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.RttSummary;
import java.util.EnumMap;
import java.util.Map;

/** What one series set reports: a link's totals, or the sum of the links past the limit. */
record SeriesValues(
    long bytesClientToServer,
    long bytesServerToClient,
    long connectionsOpened,
    long activeConnections,
    Map<FailureReason, Long> failures,
    long retransmits,
    RttSummary rtt) {

  static final SeriesValues ZERO = new SeriesValues(0, 0, 0, 0, Map.of(), 0, RttSummary.EMPTY);

  SeriesValues {
    failures = Map.copyOf(failures);
  }

  static SeriesValues of(Link link) {
    return new SeriesValues(link.bytesClientToServer(), link.bytesServerToClient(),
        link.connectionsOpened(), link.activeConnections(), link.failures(), link.retransmits(),
        link.rtt());
  }

  SeriesValues plus(SeriesValues other) {
    Map<FailureReason, Long> sum = new EnumMap<>(FailureReason.class);
    sum.putAll(failures);
    other.failures.forEach((reason, count) -> sum.merge(reason, count, Long::sum));
    return new SeriesValues(
        bytesClientToServer + other.bytesClientToServer,
        bytesServerToClient + other.bytesServerToClient,
        connectionsOpened + other.connectionsOpened,
        activeConnections + other.activeConnections,
        sum,
        retransmits + other.retransmits,
        rtt.combine(other.rtt));
  }

  /** The same totals with nothing open: what a link leaves behind when it expires. */
  SeriesValues closed() {
    return new SeriesValues(bytesClientToServer, bytesServerToClient, connectionsOpened, 0,
        failures, retransmits, rtt);
  }
}
