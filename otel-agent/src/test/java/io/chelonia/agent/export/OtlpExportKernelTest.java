package io.chelonia.agent.export;

import static io.chelonia.agent.testing.AgentUnderTest.VERSION;
import static io.chelonia.agent.testing.AgentUnderTest.nanos;
import static io.chelonia.agent.testing.ExportTraffic.CLIENT_SENDS;
import static io.chelonia.agent.testing.ExportTraffic.CONNECTIONS;
import static io.chelonia.agent.testing.ExportTraffic.REFUSED_PORT;
import static io.chelonia.agent.testing.ExportTraffic.SERVER_ADDRESS;
import static io.chelonia.agent.testing.ExportTraffic.SERVER_SENDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.lifecycle.Closing;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.testing.AgentUnderTest;
import io.chelonia.agent.testing.Await;
import io.chelonia.agent.testing.ExportTraffic;
import io.chelonia.agent.testing.HeldExchange;
import io.chelonia.agent.testing.NetnsHosts;
import io.chelonia.agent.testing.OtlpReceiver;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's OTLP push end to end: real traffic between two network-namespace hosts, the real
 * probes, the real SDK exporter (OTLP/gRPC), and an in-process receiver standing in for the
 * Collector. Needs root; fails, never skips, without it.
 */
class OtlpExportKernelTest {
  private static final Duration EXPORT_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration FAILURE_TIMEOUT = Duration.ofSeconds(60);

  private static final List<String> MONOTONIC_SUMS =
      List.of(
          LinkMetrics.BYTES,
          LinkMetrics.CONNECTIONS,
          LinkMetrics.FAILURES,
          LinkMetrics.RETRANSMITS);

  @AutoClose private static NetnsHosts hosts;

  private OtlpReceiver receiver;
  private AgentUnderTest agent;
  private HeldExchange held;

  @BeforeAll
  static void createHosts() {
    hosts = NetnsHosts.create();
  }

  @BeforeEach
  void startAgent() {
    receiver = new OtlpReceiver().start();
    Map<String, String> properties =
        Map.of(
            "otel.metrics.exporter", "otlp",
            "otel.exporter.otlp.endpoint", receiver.endpoint(),
            "otel.metric.export.interval", "500",
            "otel.resource.attributes", "deployment.environment.name=test");
    // Both views of the link, which this one agent observes from both ends: the server's view
    // is checked too (by default the client's agent alone exports it: LinkSeriesCountTest).
    agent =
        AgentUnderTest.start(
            MetricsOptions.defaults().withObservers(Observers.ALL),
            AgentUnderTest.RESOURCE,
            properties,
            Set.of());
  }

  @AfterEach
  void stopAgent() {
    Closing.closeAll(agent, receiver, held);
  }

  @Test
  void exportedLinkMetricsHaveTheContractNamesUnitsTemporalityAttributesAndExactBytes() {
    int port = ExportTraffic.exchange(hosts);
    ExportTraffic.connectRefused(hosts);

    long recorded = agent.poll();
    OtlpReceiver.Received first =
        receiver.awaitLatest(
            carriesLinkCollectedSince(port, Observer.CLIENT, recorded), EXPORT_TIMEOUT);
    ExportMetricsServiceRequest request = first.request();
    // The link's first export showed it at zero (so increase() counts every byte), its next ones
    // the totals.
    assertThat(
            receiver.requests().stream()
                .flatMap(
                    r ->
                        findSumPoint(r, LinkMetrics.BYTES, port, Observer.CLIENT, "transmit")
                            .stream())
                .findFirst())
        .hasValueSatisfying(point -> assertThat(point.getAsInt()).isZero());

    // Names and units of the contract.
    Map<String, String> units =
        Map.of(
            LinkMetrics.BYTES, "By",
            LinkMetrics.CONNECTIONS, "{connection}",
            LinkMetrics.FAILURES, "{connection}",
            LinkMetrics.ACTIVE, "{connection}",
            LinkMetrics.RETRANSMITS, "{segment}",
            LinkMetrics.RTT, "s");
    units.forEach(
        (name, unit) -> assertThat(metric(request, name).getUnit()).as(name).isEqualTo(unit));

    // Kinds and temporality.
    for (String name : MONOTONIC_SUMS) {
      Metric metric = metric(request, name);
      assertThat(metric.getDataCase()).as(name).isEqualTo(Metric.DataCase.SUM);
      assertThat(metric.getSum().getAggregationTemporality())
          .as(name)
          .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
      assertThat(metric.getSum().getIsMonotonic()).as(name).isTrue();
    }
    Metric active = metric(request, LinkMetrics.ACTIVE);
    assertThat(active.getDataCase()).isEqualTo(Metric.DataCase.SUM);
    assertThat(active.getSum().getAggregationTemporality())
        .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
    assertThat(active.getSum().getIsMonotonic()).isFalse();
    Metric rtt = metric(request, LinkMetrics.RTT);
    assertThat(rtt.getDataCase()).isEqualTo(Metric.DataCase.HISTOGRAM);
    assertThat(rtt.getHistogram().getAggregationTemporality())
        .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);

    // Attributes, exactly, for the link as the client's host saw it.
    Map<String, Object> clientView = new LinkedHashMap<>();
    clientView.put("client.k8s.namespace.name", "node");
    clientView.put("client.k8s.workload.kind", "Host");
    clientView.put("client.k8s.workload.name", "198.18.0.1");
    clientView.put("server.k8s.namespace.name", "external");
    clientView.put("server.k8s.workload.kind", "External");
    clientView.put("server.k8s.workload.name", SERVER_ADDRESS);
    clientView.put("server.port", (long) port);
    clientView.put("network.transport", "tcp");
    clientView.put("network.type", "ipv4");
    clientView.put("chelonia.observer", "client");
    NumberDataPoint transmit =
        sumPoint(request, LinkMetrics.BYTES, port, Observer.CLIENT, "transmit");
    NumberDataPoint receive =
        sumPoint(request, LinkMetrics.BYTES, port, Observer.CLIENT, "receive");
    assertThat(attributes(transmit.getAttributesList()))
        .containsExactlyInAnyOrderEntriesOf(with(clientView, "network.io.direction", "transmit"));
    assertThat(attributes(receive.getAttributesList()))
        .containsExactlyInAnyOrderEntriesOf(with(clientView, "network.io.direction", "receive"));
    assertThat(transmit.getAttributesList())
        .filteredOn(kv -> kv.getKey().equals("server.port"))
        .singleElement()
        .satisfies(
            kv ->
                assertThat(kv.getValue().getValueCase())
                    .as("server.port is an int attribute")
                    .isEqualTo(AnyValue.ValueCase.INT_VALUE));
    for (String name :
        List.of(LinkMetrics.CONNECTIONS, LinkMetrics.ACTIVE, LinkMetrics.RETRANSMITS)) {
      assertThat(
              attributes(sumPoint(request, name, port, Observer.CLIENT, null).getAttributesList()))
          .as(name)
          .containsExactlyInAnyOrderEntriesOf(clientView);
    }
    assertThat(attributes(rttPoint(request, port, Observer.CLIENT).getAttributesList()))
        .containsExactlyInAnyOrderEntriesOf(clientView);

    // The server's host saw the same link from the other end, with the same figures.
    Map<String, Object> serverView = new LinkedHashMap<>(clientView);
    serverView.put("client.k8s.namespace.name", "external");
    serverView.put("client.k8s.workload.kind", "External");
    serverView.put("server.k8s.namespace.name", "node");
    serverView.put("server.k8s.workload.kind", "Host");
    serverView.put("chelonia.observer", "server");
    assertThat(
            attributes(
                sumPoint(request, LinkMetrics.CONNECTIONS, port, Observer.SERVER, null)
                    .getAttributesList()))
        .containsExactlyInAnyOrderEntriesOf(serverView);

    // Exact figures, from both ends.
    for (Observer observer : Observer.values()) {
      assertThat(sumPoint(request, LinkMetrics.BYTES, port, observer, "transmit").getAsInt())
          .as("%s transmit", observer)
          .isEqualTo(CONNECTIONS * CLIENT_SENDS);
      assertThat(sumPoint(request, LinkMetrics.BYTES, port, observer, "receive").getAsInt())
          .as("%s receive", observer)
          .isEqualTo(CONNECTIONS * SERVER_SENDS);
      assertThat(sumPoint(request, LinkMetrics.CONNECTIONS, port, observer, null).getAsInt())
          .as("%s connections", observer)
          .isEqualTo(CONNECTIONS);
      assertThat(sumPoint(request, LinkMetrics.ACTIVE, port, observer, null).getAsInt())
          .as("%s active", observer)
          .isZero();
      assertThat(findSumPoint(request, LinkMetrics.FAILURES, port, observer, null))
          .as("%s failures", observer)
          .isEmpty();
    }

    // The refused connection, a failure on its own link.
    NumberDataPoint refused =
        sumPoint(request, LinkMetrics.FAILURES, REFUSED_PORT, Observer.CLIENT, null);
    assertThat(refused.getAsInt()).isEqualTo(1);
    assertThat(attributes(refused.getAttributesList()))
        .containsEntry("error.type", "refused")
        .containsEntry("server.k8s.workload.name", SERVER_ADDRESS)
        .containsEntry("server.port", (long) REFUSED_PORT);

    // Resource.
    ResourceMetrics resource = resourceOf(request, LinkMetrics.BYTES);
    assertThat(attributes(resource.getResource().getAttributesList()))
        .containsAllEntriesOf(
            Map.of(
                "service.name", "chelonia-agent",
                "service.version", VERSION,
                "host.name", "test-host",
                "k8s.node.name", "node-1",
                "k8s.cluster.name", "cluster-1",
                "deployment.environment.name", "test"));

    // Each series starts when its link was first seen.
    for (Observer observer : Observer.values()) {
      long firstSeen = nanos(agent.link(port, observer).firstSeen());
      for (NumberDataPoint point :
          List.of(
              sumPoint(request, LinkMetrics.BYTES, port, observer, "transmit"),
              sumPoint(request, LinkMetrics.BYTES, port, observer, "receive"),
              sumPoint(request, LinkMetrics.CONNECTIONS, port, observer, null),
              sumPoint(request, LinkMetrics.ACTIVE, port, observer, null),
              sumPoint(request, LinkMetrics.RETRANSMITS, port, observer, null))) {
        assertThat(point.getStartTimeUnixNano()).as("%s start", observer).isEqualTo(firstSeen);
        assertThat(point.getStartTimeUnixNano()).isLessThanOrEqualTo(point.getTimeUnixNano());
      }
      HistogramDataPoint rttPoint = rttPoint(request, port, observer);
      assertThat(rttPoint.getStartTimeUnixNano()).isEqualTo(firstSeen);
      assertThat(rttPoint.getStartTimeUnixNano()).isLessThanOrEqualTo(rttPoint.getTimeUnixNano());
    }

    // The next export, after another poll, never goes back.
    long recordedAgain = agent.poll();
    OtlpReceiver.Received second =
        receiver.awaitLatestAfter(
            first.index(),
            carriesLinkCollectedSince(port, Observer.CLIENT, recordedAgain),
            EXPORT_TIMEOUT);
    for (Observer observer : Observer.values()) {
      for (String direction : List.of("transmit", "receive")) {
        assertNotBehind(request, second.request(), LinkMetrics.BYTES, port, observer, direction);
      }
      for (String name : List.of(LinkMetrics.CONNECTIONS, LinkMetrics.RETRANSMITS)) {
        assertNotBehind(request, second.request(), name, port, observer, null);
      }
      HistogramDataPoint before = rttPoint(request, port, observer);
      HistogramDataPoint after = rttPoint(second.request(), port, observer);
      assertThat(after.getStartTimeUnixNano()).isEqualTo(before.getStartTimeUnixNano());
      assertThat(after.getTimeUnixNano()).isGreaterThan(before.getTimeUnixNano());
      assertThat(after.getCount()).isGreaterThanOrEqualTo(before.getCount());
      assertThat(after.getSum()).isGreaterThanOrEqualTo(before.getSum());
      for (int i = 0; i < before.getBucketCountsCount(); i++) {
        assertThat(after.getBucketCounts(i))
            .as("%s rtt bucket %d", observer, i)
            .isGreaterThanOrEqualTo(before.getBucketCounts(i));
      }
    }
    assertThat(agent.telemetry().exportFailures()).isZero();
  }

  @Test
  void collectorOutageLosesNothing() {
    long clientSends = 31_415;
    long serverSends = 27_182;
    long later = 16_180;
    held =
        HeldExchange.start(
            Optional.of(hosts.nameA()),
            Optional.of(hosts.nameB()),
            SERVER_ADDRESS,
            clientSends,
            serverSends,
            1);
    int port = held.port();

    long recorded = agent.poll();
    ExportMetricsServiceRequest before =
        receiver
            .awaitLatest(carriesLinkCollectedSince(port, Observer.CLIENT, recorded), EXPORT_TIMEOUT)
            .request();
    for (Observer observer : Observer.values()) {
      assertThat(sumPoint(before, LinkMetrics.BYTES, port, observer, "transmit").getAsInt())
          .isEqualTo(clientSends);
      assertThat(sumPoint(before, LinkMetrics.BYTES, port, observer, "receive").getAsInt())
          .isEqualTo(serverSends);
      assertThat(sumPoint(before, LinkMetrics.ACTIVE, port, observer, null).getAsInt())
          .isEqualTo(1);
    }
    assertThat(agent.telemetry().exportFailures()).isZero();

    // The collector goes away; traffic goes on and the connection closes meanwhile.
    receiver.stop();
    held.sendMore(later);
    held.hangUp();
    assertThat(held.clientExit()).as("client exit").isZero();
    assertThat(held.serverExit()).as("server exit").isZero();
    agent.poll();
    awaitExportFailure();
    int requestsBeforeRestart = receiver.requests().size();

    // The collector comes back on the same port: the next export carries everything.
    int samePort = receiver.port();
    receiver.start();
    assertThat(receiver.port()).isEqualTo(samePort);
    long recordedAfter = agent.poll();
    OtlpReceiver.Received after =
        receiver.awaitLatestAfter(
            requestsBeforeRestart - 1,
            carriesLinkCollectedSince(port, Observer.CLIENT, recordedAfter),
            EXPORT_TIMEOUT);
    for (Observer observer : Observer.values()) {
      long firstSeen = nanos(agent.link(port, observer).firstSeen());
      NumberDataPoint transmit =
          sumPoint(after.request(), LinkMetrics.BYTES, port, observer, "transmit");
      assertThat(transmit.getAsInt()).as("%s transmit", observer).isEqualTo(clientSends + later);
      assertThat(transmit.getStartTimeUnixNano()).as("%s start", observer).isEqualTo(firstSeen);
      assertThat(sumPoint(after.request(), LinkMetrics.BYTES, port, observer, "receive").getAsInt())
          .as("%s receive", observer)
          .isEqualTo(serverSends + later);
      assertThat(
              sumPoint(after.request(), LinkMetrics.CONNECTIONS, port, observer, null).getAsInt())
          .as("%s connections", observer)
          .isEqualTo(1);
      assertThat(sumPoint(after.request(), LinkMetrics.ACTIVE, port, observer, null).getAsInt())
          .as("%s active", observer)
          .isZero();
    }
  }

  private void awaitExportFailure() {
    Await.until(
        FAILURE_TIMEOUT,
        Duration.ofMillis(100),
        () -> agent.telemetry().exportFailures() > 0,
        () -> "no export failure counted within " + FAILURE_TIMEOUT + " of the receiver stopping");
  }

  // --- reading OTLP requests ---

  /**
   * The request has the link's transmit bytes, collected at or after {@code sinceNanos}, past the
   * export that showed the new link at zero.
   */
  private static Predicate<ExportMetricsServiceRequest> carriesLinkCollectedSince(
      int port, Observer observer, long sinceNanos) {
    return request ->
        findSumPoint(request, LinkMetrics.BYTES, port, observer, "transmit")
            .filter(point -> point.getTimeUnixNano() >= sinceNanos && point.getAsInt() > 0)
            .isPresent();
  }

  private static void assertNotBehind(
      ExportMetricsServiceRequest earlier,
      ExportMetricsServiceRequest later,
      String name,
      int port,
      Observer observer,
      String direction) {
    NumberDataPoint before = sumPoint(earlier, name, port, observer, direction);
    NumberDataPoint after = sumPoint(later, name, port, observer, direction);
    String series = name + " " + observer + (direction == null ? "" : " " + direction);
    assertThat(after.getStartTimeUnixNano())
        .as("%s start", series)
        .isEqualTo(before.getStartTimeUnixNano());
    assertThat(after.getTimeUnixNano())
        .as("%s time", series)
        .isGreaterThan(before.getTimeUnixNano());
    assertThat(after.getAsInt()).as("%s value", series).isGreaterThanOrEqualTo(before.getAsInt());
  }

  private static List<Metric> metrics(ExportMetricsServiceRequest request, String name) {
    List<Metric> found = new ArrayList<>();
    for (ResourceMetrics resource : request.getResourceMetricsList()) {
      for (ScopeMetrics scope : resource.getScopeMetricsList()) {
        for (Metric metric : scope.getMetricsList()) {
          if (metric.getName().equals(name)) {
            found.add(metric);
          }
        }
      }
    }
    return found;
  }

  private static Metric metric(ExportMetricsServiceRequest request, String name) {
    List<Metric> found = metrics(request, name);
    assertThat(found).as("metric %s in the export", name).hasSize(1);
    return found.getFirst();
  }

  private static ResourceMetrics resourceOf(ExportMetricsServiceRequest request, String name) {
    for (ResourceMetrics resource : request.getResourceMetricsList()) {
      for (ScopeMetrics scope : resource.getScopeMetricsList()) {
        for (Metric metric : scope.getMetricsList()) {
          if (metric.getName().equals(name)) {
            return resource;
          }
        }
      }
    }
    throw new AssertionError("no resource carries " + name);
  }

  private static Optional<NumberDataPoint> findSumPoint(
      ExportMetricsServiceRequest request,
      String name,
      int port,
      Observer observer,
      String direction) {
    List<NumberDataPoint> found = new ArrayList<>();
    for (Metric metric : metrics(request, name)) {
      for (NumberDataPoint point : metric.getSum().getDataPointsList()) {
        if (isOf(point.getAttributesList(), port, observer, direction)) {
          found.add(point);
        }
      }
    }
    assertThat(found)
        .as("%s points of port %d seen by %s", name, port, observer)
        .hasSizeLessThan(2);
    return found.stream().findFirst();
  }

  private static NumberDataPoint sumPoint(
      ExportMetricsServiceRequest request,
      String name,
      int port,
      Observer observer,
      String direction) {
    return findSumPoint(request, name, port, observer, direction)
        .orElseThrow(
            () ->
                new AssertionError(
                    "no "
                        + name
                        + " point for port "
                        + port
                        + " seen by "
                        + observer
                        + (direction == null ? "" : " " + direction)));
  }

  private static HistogramDataPoint rttPoint(
      ExportMetricsServiceRequest request, int port, Observer observer) {
    List<HistogramDataPoint> found = new ArrayList<>();
    for (Metric metric : metrics(request, LinkMetrics.RTT)) {
      for (HistogramDataPoint point : metric.getHistogram().getDataPointsList()) {
        if (isOf(point.getAttributesList(), port, observer, null)) {
          found.add(point);
        }
      }
    }
    assertThat(found).as("rtt points of port %d seen by %s", port, observer).hasSize(1);
    return found.getFirst();
  }

  private static boolean isOf(
      List<KeyValue> attributes, int port, Observer observer, String direction) {
    Map<String, Object> map = attributes(attributes);
    return Long.valueOf(port).equals(map.get("server.port"))
        && observer.value().equals(map.get("chelonia.observer"))
        && (direction == null || direction.equals(map.get("network.io.direction")));
  }

  private static Map<String, Object> attributes(List<KeyValue> attributes) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (KeyValue kv : attributes) {
      AnyValue value = kv.getValue();
      Object plain =
          switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case INT_VALUE -> value.getIntValue();
            case BOOL_VALUE -> value.getBoolValue();
            case DOUBLE_VALUE -> value.getDoubleValue();
            default -> value.toString();
          };
      assertThat(map.put(kv.getKey(), plain)).as("attribute %s given twice", kv.getKey()).isNull();
    }
    return map;
  }

  private static Map<String, Object> with(Map<String, Object> base, String key, Object value) {
    Map<String, Object> copy = new LinkedHashMap<>(base);
    copy.put(key, value);
    return copy;
  }
}
