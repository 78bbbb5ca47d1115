package io.chelonia.agent.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.chelonia.agent.config.TracerConfig;
import io.chelonia.agent.identity.AddressResolver;
import io.chelonia.agent.kernel.KernelOptions;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkPipeline;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.testing.NetnsHosts;
import io.chelonia.agent.testing.OtlpReceiver;
import io.chelonia.agent.testing.PeerExchange;
import io.chelonia.agent.testing.TrafficPeerProcess;
import io.chelonia.agent.tracing.SocketPoll;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
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
  private static final String VERSION = "9.9.9";
  private static final String SERVER_ADDRESS = "198.18.0.2";
  private static final long CLIENT_SENDS = 123_457;
  private static final long SERVER_SENDS = 76_543;
  private static final int CONNECTIONS = 2;
  /** A closed port on host B, for a refused connection. */
  private static final int REFUSED_PORT = 9;

  private static final List<String> MONOTONIC_SUMS = List.of(
      LinkMetrics.BYTES, LinkMetrics.CONNECTIONS, LinkMetrics.FAILURES, LinkMetrics.RETRANSMITS);

  private static NetnsHosts hosts;

  private final MetricsOptions options = MetricsOptions.defaults();
  private final Clock clock = Clock.systemUTC();
  private final List<TrafficPeerProcess> peers = new ArrayList<>();
  private OtlpReceiver receiver;
  private LinkPipeline pipeline;
  private Telemetry telemetry;

  @BeforeAll
  static void createHosts() {
    hosts = NetnsHosts.create();
  }

  @AfterAll
  static void removeHosts() {
    if (hosts != null) {
      hosts.close();
    }
  }

  @BeforeEach
  void startAgent() {
    receiver = new OtlpReceiver().start();
    TracerConfig config =
        new TracerConfig(Duration.ofSeconds(1), KernelOptions.defaults(), false, false);
    pipeline = LinkPipeline.open(config, new AddressResolver(), Set.of(), clock);
    Map<String, String> resource = new LinkedHashMap<>();
    resource.put("host.name", "test-host");
    resource.put("k8s.node.name", "node-1");
    resource.put("k8s.cluster.name", "cluster-1");
    Map<String, String> properties = Map.of(
        "otel.metrics.exporter", "otlp",
        "otel.exporter.otlp.endpoint", receiver.endpoint(),
        "otel.metric.export.interval", "500",
        "otel.resource.attributes", "deployment.environment.name=test");
    telemetry = Telemetry.start(options, resource, properties, VERSION, clock);
  }

  @AfterEach
  void stopAgent() {
    List<AutoCloseable> closing = new ArrayList<>();
    closing.add(telemetry);
    closing.add(pipeline);
    closing.add(receiver);
    closing.addAll(peers);
    RuntimeException failure = null;
    for (AutoCloseable c : closing) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        if (failure == null) {
          failure = new IllegalStateException("cleanup failed", e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Test
  void exportedLinkMetricsHaveTheContractNamesUnitsTemporalityAttributesAndExactBytes() {
    int port = PeerExchange.exchange(Optional.of(hosts.nameA()), Optional.of(hosts.nameB()),
        SERVER_ADDRESS, CLIENT_SENDS, SERVER_SENDS, CONNECTIONS);
    PeerExchange.connectRefused(Optional.of(hosts.nameA()), SERVER_ADDRESS, REFUSED_PORT);

    long recorded = poll();
    OtlpReceiver.Received first = receiver.awaitLatest(
        carriesLinkCollectedSince(port, Observer.CLIENT, recorded), EXPORT_TIMEOUT);
    ExportMetricsServiceRequest request = first.request();

    // Names and units of the contract.
    Map<String, String> units = Map.of(
        LinkMetrics.BYTES, "By",
        LinkMetrics.CONNECTIONS, "{connection}",
        LinkMetrics.FAILURES, "{connection}",
        LinkMetrics.ACTIVE, "{connection}",
        LinkMetrics.RETRANSMITS, "{segment}",
        LinkMetrics.RTT, "s");
    units.forEach((name, unit) -> assertThat(metric(request, name).getUnit()).as(name).isEqualTo(unit));

    // Kinds and temporality.
    for (String name : MONOTONIC_SUMS) {
      Metric metric = metric(request, name);
      assertThat(metric.getDataCase()).as(name).isEqualTo(Metric.DataCase.SUM);
      assertThat(metric.getSum().getAggregationTemporality()).as(name)
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
    NumberDataPoint transmit = sumPoint(request, LinkMetrics.BYTES, port, Observer.CLIENT, "transmit");
    NumberDataPoint receive = sumPoint(request, LinkMetrics.BYTES, port, Observer.CLIENT, "receive");
    assertThat(attributes(transmit.getAttributesList()))
        .containsExactlyInAnyOrderEntriesOf(with(clientView, "network.io.direction", "transmit"));
    assertThat(attributes(receive.getAttributesList()))
        .containsExactlyInAnyOrderEntriesOf(with(clientView, "network.io.direction", "receive"));
    assertThat(transmit.getAttributesList()).filteredOn(kv -> kv.getKey().equals("server.port"))
        .singleElement().satisfies(kv -> assertThat(kv.getValue().getValueCase())
            .as("server.port is an int attribute").isEqualTo(AnyValue.ValueCase.INT_VALUE));
    for (String name : List.of(LinkMetrics.CONNECTIONS, LinkMetrics.ACTIVE, LinkMetrics.RETRANSMITS)) {
      assertThat(attributes(sumPoint(request, name, port, Observer.CLIENT, null).getAttributesList()))
          .as(name).containsExactlyInAnyOrderEntriesOf(clientView);
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
    assertThat(attributes(sumPoint(request, LinkMetrics.CONNECTIONS, port, Observer.SERVER, null)
        .getAttributesList())).containsExactlyInAnyOrderEntriesOf(serverView);

    // Exact figures, from both ends.
    for (Observer observer : Observer.values()) {
      assertThat(sumPoint(request, LinkMetrics.BYTES, port, observer, "transmit").getAsInt())
          .as("%s transmit", observer).isEqualTo(CONNECTIONS * CLIENT_SENDS);
      assertThat(sumPoint(request, LinkMetrics.BYTES, port, observer, "receive").getAsInt())
          .as("%s receive", observer).isEqualTo(CONNECTIONS * SERVER_SENDS);
      assertThat(sumPoint(request, LinkMetrics.CONNECTIONS, port, observer, null).getAsInt())
          .as("%s connections", observer).isEqualTo(CONNECTIONS);
      assertThat(sumPoint(request, LinkMetrics.ACTIVE, port, observer, null).getAsInt())
          .as("%s active", observer).isZero();
      assertThat(findSumPoint(request, LinkMetrics.FAILURES, port, observer, null))
          .as("%s failures", observer).isEmpty();
    }

    // The refused connection, a failure on its own link.
    NumberDataPoint refused = sumPoint(request, LinkMetrics.FAILURES, REFUSED_PORT, Observer.CLIENT, null);
    assertThat(refused.getAsInt()).isEqualTo(1);
    assertThat(attributes(refused.getAttributesList()))
        .containsEntry("error.type", "refused")
        .containsEntry("server.k8s.workload.name", SERVER_ADDRESS)
        .containsEntry("server.port", (long) REFUSED_PORT);

    // Resource.
    ResourceMetrics resource = resourceOf(request, LinkMetrics.BYTES);
    assertThat(attributes(resource.getResource().getAttributesList())).containsAllEntriesOf(Map.of(
        "service.name", "chelonia-agent",
        "service.version", VERSION,
        "host.name", "test-host",
        "k8s.node.name", "node-1",
        "k8s.cluster.name", "cluster-1",
        "deployment.environment.name", "test"));

    // Each series starts when its link was first seen.
    for (Observer observer : Observer.values()) {
      long firstSeen = nanos(link(port, observer).firstSeen());
      for (NumberDataPoint point : List.of(
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
    long recordedAgain = poll();
    OtlpReceiver.Received second = receiver.awaitLatestAfter(first.index(),
        carriesLinkCollectedSince(port, Observer.CLIENT, recordedAgain), EXPORT_TIMEOUT);
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
        assertThat(after.getBucketCounts(i)).as("%s rtt bucket %d", observer, i)
            .isGreaterThanOrEqualTo(before.getBucketCounts(i));
      }
    }
    assertThat(telemetry.exportFailures()).isZero();
  }

  @Test
  void collectorOutageLosesNothing() {
    long clientSends = 31_415;
    long serverSends = 27_182;
    long later = 16_180;
    TrafficPeerProcess server = peer(TrafficPeerProcess.start(Optional.of(hosts.nameB()), "server",
        SERVER_ADDRESS, "0", String.valueOf(serverSends), String.valueOf(clientSends), "1", "--hold"));
    int port = PeerExchange.port(server);
    TrafficPeerProcess client = peer(PeerExchange.startClient(port, Optional.of(hosts.nameA()),
        SERVER_ADDRESS, String.valueOf(clientSends), String.valueOf(serverSends), "1", "--hold"));
    client.awaitLine("HELD", PeerExchange.PEER_TIMEOUT);

    long recorded = poll();
    ExportMetricsServiceRequest before = receiver.awaitLatest(
        carriesLinkCollectedSince(port, Observer.CLIENT, recorded), EXPORT_TIMEOUT).request();
    for (Observer observer : Observer.values()) {
      assertThat(sumPoint(before, LinkMetrics.BYTES, port, observer, "transmit").getAsInt())
          .isEqualTo(clientSends);
      assertThat(sumPoint(before, LinkMetrics.BYTES, port, observer, "receive").getAsInt())
          .isEqualTo(serverSends);
      assertThat(sumPoint(before, LinkMetrics.ACTIVE, port, observer, null).getAsInt()).isEqualTo(1);
    }
    assertThat(telemetry.exportFailures()).isZero();

    // The collector goes away; traffic goes on and the connection closes meanwhile.
    receiver.stop();
    client.send("SEND " + later);
    client.awaitLine("SENT", PeerExchange.PEER_TIMEOUT);
    client.send("CLOSE");
    server.send("CLOSE");
    assertThat(client.awaitExit(PeerExchange.PEER_TIMEOUT)).as("client exit").isZero();
    assertThat(server.awaitExit(PeerExchange.PEER_TIMEOUT)).as("server exit").isZero();
    poll();
    awaitExportFailure();
    int requestsBeforeRestart = receiver.requests().size();

    // The collector comes back on the same port: the next export carries everything.
    int samePort = receiver.port();
    receiver.start();
    assertThat(receiver.port()).isEqualTo(samePort);
    long recordedAfter = poll();
    OtlpReceiver.Received after = receiver.awaitLatestAfter(requestsBeforeRestart - 1,
        carriesLinkCollectedSince(port, Observer.CLIENT, recordedAfter), EXPORT_TIMEOUT);
    for (Observer observer : Observer.values()) {
      long firstSeen = nanos(link(port, observer).firstSeen());
      NumberDataPoint transmit = sumPoint(after.request(), LinkMetrics.BYTES, port, observer, "transmit");
      assertThat(transmit.getAsInt()).as("%s transmit", observer).isEqualTo(clientSends + later);
      assertThat(transmit.getStartTimeUnixNano()).as("%s start", observer).isEqualTo(firstSeen);
      assertThat(sumPoint(after.request(), LinkMetrics.BYTES, port, observer, "receive").getAsInt())
          .as("%s receive", observer).isEqualTo(serverSends + later);
      assertThat(sumPoint(after.request(), LinkMetrics.CONNECTIONS, port, observer, null).getAsInt())
          .as("%s connections", observer).isEqualTo(1);
      assertThat(sumPoint(after.request(), LinkMetrics.ACTIVE, port, observer, null).getAsInt())
          .as("%s active", observer).isZero();
    }
  }

  // --- the agent, driven as RunCommand drives it ---

  /** One poll, published to the SDK; returns when, in epoch nanos, it was published. */
  private long poll() {
    SocketPoll poll = pipeline.pollOnce();
    List<Link> expired = pipeline.links().expireIdle(poll.time(), options.linkIdleExpiry());
    telemetry.record(poll, pipeline.links(), expired);
    return nanos(clock.instant());
  }

  private void awaitExportFailure() {
    long deadline = System.nanoTime() + FAILURE_TIMEOUT.toNanos();
    while (telemetry.exportFailures() == 0) {
      if (System.nanoTime() > deadline) {
        fail("no export failure counted within %s of the receiver stopping", FAILURE_TIMEOUT);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private TrafficPeerProcess peer(TrafficPeerProcess peer) {
    peers.add(peer);
    return peer;
  }

  private Link link(int serverPort, Observer observer) {
    List<Link> matching = pipeline.links().links().stream()
        .filter(l -> l.key().serverPort() == serverPort && l.key().observer() == observer)
        .toList();
    assertThat(matching).as("links to port %d seen by %s", serverPort, observer).hasSize(1);
    return matching.getFirst();
  }

  // --- reading OTLP requests ---

  /** The request has the link's transmit bytes, collected at or after {@code sinceNanos}. */
  private static Predicate<ExportMetricsServiceRequest> carriesLinkCollectedSince(
      int port, Observer observer, long sinceNanos) {
    return request -> findSumPoint(request, LinkMetrics.BYTES, port, observer, "transmit")
        .filter(point -> point.getTimeUnixNano() >= sinceNanos)
        .isPresent();
  }

  private static void assertNotBehind(ExportMetricsServiceRequest earlier,
      ExportMetricsServiceRequest later, String name, int port, Observer observer, String direction) {
    NumberDataPoint before = sumPoint(earlier, name, port, observer, direction);
    NumberDataPoint after = sumPoint(later, name, port, observer, direction);
    String series = name + " " + observer + (direction == null ? "" : " " + direction);
    assertThat(after.getStartTimeUnixNano()).as("%s start", series).isEqualTo(before.getStartTimeUnixNano());
    assertThat(after.getTimeUnixNano()).as("%s time", series).isGreaterThan(before.getTimeUnixNano());
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

  private static Optional<NumberDataPoint> findSumPoint(ExportMetricsServiceRequest request,
      String name, int port, Observer observer, String direction) {
    List<NumberDataPoint> found = new ArrayList<>();
    for (Metric metric : metrics(request, name)) {
      for (NumberDataPoint point : metric.getSum().getDataPointsList()) {
        if (isOf(point.getAttributesList(), port, observer, direction)) {
          found.add(point);
        }
      }
    }
    assertThat(found).as("%s points of port %d seen by %s", name, port, observer).hasSizeLessThan(2);
    return found.stream().findFirst();
  }

  private static NumberDataPoint sumPoint(ExportMetricsServiceRequest request, String name,
      int port, Observer observer, String direction) {
    return findSumPoint(request, name, port, observer, direction).orElseThrow(() -> new AssertionError(
        "no " + name + " point for port " + port + " seen by " + observer
            + (direction == null ? "" : " " + direction)));
  }

  private static HistogramDataPoint rttPoint(ExportMetricsServiceRequest request, int port,
      Observer observer) {
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

  private static boolean isOf(List<KeyValue> attributes, int port, Observer observer, String direction) {
    Map<String, Object> map = attributes(attributes);
    return Long.valueOf(port).equals(map.get("server.port"))
        && observer.value().equals(map.get("chelonia.observer"))
        && (direction == null || direction.equals(map.get("network.io.direction")));
  }

  private static Map<String, Object> attributes(List<KeyValue> attributes) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (KeyValue kv : attributes) {
      AnyValue value = kv.getValue();
      Object plain = switch (value.getValueCase()) {
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

  private static long nanos(Instant instant) {
    return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
  }
}
