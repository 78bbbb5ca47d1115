package io.chelonia.agent.export;

import io.chelonia.agent.link.FailureReason;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkTotals;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.link.RttSummary;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.GaugeData;
import io.opentelemetry.sdk.metrics.data.HistogramData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.metrics.export.MetricProducer;
import io.opentelemetry.sdk.resources.Resource;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The link table as OpenTelemetry metrics. The agent aggregates links itself, so it hands the SDK
 * finished data through a {@link MetricProducer}: that is how each link's cumulative series gets
 * its own start time (when the link was first seen), which instruments cannot give.
 *
 * <p>The poll thread {@link #publish}es each poll's links; exporter threads {@link #produce} from
 * the last published {@link SeriesSnapshot}, never from the live table.
 */
public final class LinkMetrics implements MetricProducer {
  public static final String BYTES = "chelonia.link.bytes";
  public static final String CONNECTIONS = "chelonia.link.connections";
  public static final String FAILURES = "chelonia.link.connection.failures";
  public static final String ACTIVE = "chelonia.link.active";
  public static final String RETRANSMITS = "chelonia.link.retransmits";
  public static final String RTT = "chelonia.link.rtt";
  public static final String DATAGRAMS = "chelonia.link.datagrams";
  public static final String DNS_ANSWERS = "chelonia.link.dns.answers";
  public static final String DNS_UNANSWERED = "chelonia.link.dns.unanswered";

  /** The metrics whose new series are shown at zero first ({@link NewSeriesAtZero}). */
  static final Set<String> COUNTED =
      Set.of(
          BYTES,
          CONNECTIONS,
          FAILURES,
          RETRANSMITS,
          RTT,
          DATAGRAMS,
          DNS_ANSWERS,
          CarettaLabels.METRIC);

  private static final List<Double> RTT_BOUNDARIES_SECONDS =
      RttSummary.BOUNDARIES_MICROS.stream().map(LinkMetrics::seconds).toList();

  private final MetricsOptions options;
  private final Clock clock;
  private final InstrumentationScopeInfo scope;
  private final SeriesAdmission admission;
  private volatile SeriesSnapshot snapshot = SeriesSnapshot.EMPTY;

  public LinkMetrics(MetricsOptions options, Clock clock, String agentVersion) {
    this.options = options;
    this.clock = clock;
    this.scope =
        InstrumentationScopeInfo.builder("io.chelonia.agent").setVersion(agentVersion).build();
    this.admission = new SeriesAdmission(options);
  }

  /**
   * Poll thread: takes a poll's links, and the links expired since the last call, through the
   * series limit ({@link SeriesAdmission}).
   */
  public void publish(List<Link> links, List<Link> expired) {
    snapshot = admission.admit(links, expired);
  }

  /** Links summed into the overflow series now. */
  public int overflowLinks() {
    return snapshot.overflowLinks();
  }

  @Override
  public Collection<MetricData> produce(Resource resource) {
    SeriesSnapshot current = snapshot;
    long now = SeriesAdmission.nanos(clock.instant());
    int size = current.admitted().size() + 1;
    List<LongPointData> bytes = new ArrayList<>(2 * size);
    List<LongPointData> connections = new ArrayList<>(size);
    List<LongPointData> failures = new ArrayList<>();
    List<LongPointData> active = new ArrayList<>(size);
    List<LongPointData> retransmits = new ArrayList<>(size);
    List<HistogramPointData> rtt = new ArrayList<>(size);
    List<LongPointData> datagrams = new ArrayList<>();
    List<LongPointData> dnsAnswers = new ArrayList<>();
    List<LongPointData> dnsUnanswered = new ArrayList<>();
    List<LongPointData> caretta = new ArrayList<>(options.carettaCompatible() ? size : 0);
    List<Series> all = new ArrayList<>(current.admitted());
    if (current.overflow() != null) {
      all.add(current.overflow());
    }
    for (Series s : all) {
      LinkAttributes attributes = s.attributes().link();
      LinkTotals v = s.totals();
      if (s.attributes().caretta() != null) {
        // As Caretta counts it: the bytes the observing side sent (role 1 client, 2 server).
        caretta.add(
            LongPointData.create(
                s.startNanos(),
                now,
                s.attributes().caretta(),
                s.attributes().observer() == Observer.CLIENT
                    ? v.bytesClientToServer()
                    : v.bytesServerToClient()));
      }
      if (!s.attributes().linkMetrics()) {
        continue;
      }
      bytes.add(
          LongPointData.create(s.startNanos(), now, attributes.transmit, v.bytesClientToServer()));
      bytes.add(
          LongPointData.create(s.startNanos(), now, attributes.receive, v.bytesServerToClient()));
      if (s.attributes().udp()) {
        // A UDP link has no connections, retransmits nor RTT: its datagrams instead.
        datagrams.add(
            LongPointData.create(
                s.startNanos(), now, attributes.transmit, v.datagramsClientToServer()));
        datagrams.add(
            LongPointData.create(
                s.startNanos(), now, attributes.receive, v.datagramsServerToClient()));
        if (s.attributes().dnsClient()) {
          for (Map.Entry<Integer, Long> answer : v.dnsAnswers().entrySet()) {
            dnsAnswers.add(
                LongPointData.create(
                    s.startNanos(), now, attributes.dnsAnswer(answer.getKey()), answer.getValue()));
          }
          dnsUnanswered.add(
              LongPointData.create(s.startNanos(), now, attributes.link, v.dnsUnanswered()));
        }
        continue;
      }
      if (s.attributes().overflow()
          && (v.datagramsClientToServer() > 0 || v.datagramsServerToClient() > 0)) {
        datagrams.add(
            LongPointData.create(
                s.startNanos(), now, attributes.transmit, v.datagramsClientToServer()));
        datagrams.add(
            LongPointData.create(
                s.startNanos(), now, attributes.receive, v.datagramsServerToClient()));
      }
      connections.add(
          LongPointData.create(s.startNanos(), now, attributes.link, v.connectionsOpened()));
      for (Map.Entry<FailureReason, Long> failure : v.failures().entrySet()) {
        failures.add(
            LongPointData.create(
                s.startNanos(), now, attributes.failure(failure.getKey()), failure.getValue()));
      }
      active.add(LongPointData.create(s.startNanos(), now, attributes.link, v.activeConnections()));
      retransmits.add(LongPointData.create(s.startNanos(), now, attributes.link, v.retransmits()));
      rtt.add(rttPoint(s.startNanos(), now, attributes.link, v.rtt(), options.rttBuckets()));
    }
    List<MetricData> metrics = new ArrayList<>(9);
    metrics.add(
        sum(
            resource,
            BYTES,
            "Payload bytes carried by the link, by direction (transmit: client to server).",
            "By",
            true,
            bytes));
    metrics.add(
        sum(
            resource,
            CONNECTIONS,
            "Connections established on the link.",
            "{connection}",
            true,
            connections));
    metrics.add(
        sum(
            resource,
            FAILURES,
            "Connections that failed, by reason.",
            "{connection}",
            true,
            failures));
    metrics.add(
        sum(resource, ACTIVE, "Connections open on the link now.", "{connection}", false, active));
    metrics.add(
        sum(
            resource,
            RETRANSMITS,
            "Segments retransmitted on the link's connections.",
            "{segment}",
            true,
            retransmits));
    metrics.add(
        new MetricDataRecord(
            resource,
            scope,
            RTT,
            "Smoothed round-trip time of the link's connections.",
            "s",
            MetricDataType.HISTOGRAM,
            HistogramData.create(AggregationTemporality.CUMULATIVE, rtt)));
    if (!datagrams.isEmpty()) {
      metrics.add(
          sum(
              resource,
              DATAGRAMS,
              "UDP datagrams carried by the link, by direction (transmit: client to server).",
              "{datagram}",
              true,
              datagrams));
    }
    if (!dnsAnswers.isEmpty()) {
      metrics.add(
          sum(
              resource,
              DNS_ANSWERS,
              "DNS answers the client received from the resolver, by response code.",
              "{answer}",
              true,
              dnsAnswers));
    }
    if (!dnsUnanswered.isEmpty()) {
      metrics.add(
          sum(
              resource,
              DNS_UNANSWERED,
              "DNS queries the client sent that got no answer (so far): queries less answers.",
              "{query}",
              false,
              dnsUnanswered));
    }
    if (options.carettaCompatible()) {
      metrics.add(
          new MetricDataRecord(
              resource,
              scope,
              CarettaLabels.METRIC,
              "Bytes sent by the observing side of the link (Caretta-compatible).",
              "",
              MetricDataType.LONG_GAUGE,
              GaugeData.createLongGaugeData(caretta)));
    }
    return metrics;
  }

  private MetricData sum(
      Resource resource,
      String name,
      String description,
      String unit,
      boolean monotonic,
      List<LongPointData> points) {
    return new MetricDataRecord(
        resource,
        scope,
        name,
        description,
        unit,
        MetricDataType.LONG_SUM,
        SumData.createLongSumData(monotonic, AggregationTemporality.CUMULATIVE, points));
  }

  private static HistogramPointData rttPoint(
      long start, long now, Attributes attributes, RttSummary rtt, RttBuckets buckets) {
    boolean explicit = buckets == RttBuckets.EXPLICIT;
    return HistogramPointData.create(
        start,
        now,
        attributes,
        seconds(rtt.sumMicros()),
        rtt.samples() > 0,
        seconds(rtt.minMicros()),
        rtt.samples() > 0,
        seconds(rtt.maxMicros()),
        explicit ? RTT_BOUNDARIES_SECONDS : List.of(),
        explicit ? rtt.bucketCounts() : List.of(rtt.samples()));
  }

  private static double seconds(long micros) {
    return micros / 1e6;
  }
}
