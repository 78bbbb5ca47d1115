package io.chelonia.agent.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.link.FailureReason;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkKey;
import io.chelonia.agent.link.LinkTotals;
import io.chelonia.agent.link.NetworkType;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.link.RttSummary;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.resources.Resource;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LinkMetricsTest {
  private static final Instant FIRST_SEEN = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant NOW = FIRST_SEEN.plusSeconds(30);
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  private final LinkMetrics metrics = new LinkMetrics(MetricsOptions.defaults(), CLOCK, "1.2.3");

  @Test
  void everyInstrumentHasItsContractUnitKindAndTemporality() {
    metrics.publish(List.of(link(8080, 100, 200)), List.of());

    Map<String, MetricData> byName = produce();

    assertThat(byName.get(LinkMetrics.BYTES).getUnit()).isEqualTo("By");
    assertThat(byName.get(LinkMetrics.CONNECTIONS).getUnit()).isEqualTo("{connection}");
    assertThat(byName.get(LinkMetrics.FAILURES).getUnit()).isEqualTo("{connection}");
    assertThat(byName.get(LinkMetrics.ACTIVE).getUnit()).isEqualTo("{connection}");
    assertThat(byName.get(LinkMetrics.RETRANSMITS).getUnit()).isEqualTo("{segment}");
    assertThat(byName.get(LinkMetrics.RTT).getUnit()).isEqualTo("s");
    for (String monotonic : List.of(LinkMetrics.BYTES, LinkMetrics.CONNECTIONS, LinkMetrics.FAILURES, LinkMetrics.RETRANSMITS)) {
      assertThat(byName.get(monotonic).getType()).isEqualTo(MetricDataType.LONG_SUM);
      assertThat(byName.get(monotonic).getLongSumData().isMonotonic()).as(monotonic).isTrue();
      assertThat(byName.get(monotonic).getLongSumData().getAggregationTemporality())
          .isEqualTo(AggregationTemporality.CUMULATIVE);
    }
    assertThat(byName.get(LinkMetrics.ACTIVE).getLongSumData().isMonotonic()).isFalse();
    assertThat(byName.get(LinkMetrics.RTT).getHistogramData().getAggregationTemporality())
        .isEqualTo(AggregationTemporality.CUMULATIVE);
    assertThat(byName.get(LinkMetrics.BYTES).getInstrumentationScopeInfo().getVersion()).isEqualTo("1.2.3");
  }

  @Test
  void bytesCarryTheLinkAttributesADirectionAndTheLinkStartTime() {
    metrics.publish(List.of(link(8080, 100, 200)), List.of());

    List<LongPointData> bytes = points(produce().get(LinkMetrics.BYTES));

    assertThat(bytes).hasSize(2);
    LongPointData transmit = withAttribute(bytes, LinkAttributes.DIRECTION, "transmit");
    LongPointData receive = withAttribute(bytes, LinkAttributes.DIRECTION, "receive");
    assertThat(transmit.getValue()).isEqualTo(100);
    assertThat(receive.getValue()).isEqualTo(200);
    assertThat(transmit.getStartEpochNanos()).isEqualTo(FIRST_SEEN.getEpochSecond() * 1_000_000_000L);
    assertThat(transmit.getEpochNanos()).isEqualTo(NOW.getEpochSecond() * 1_000_000_000L);
    assertThat(transmit.getAttributes()).isEqualTo(Attributes.builder()
        .put("client.k8s.namespace.name", "node")
        .put("client.k8s.workload.kind", "Host")
        .put("client.k8s.workload.name", "198.18.0.1")
        .put("server.k8s.namespace.name", "external")
        .put("server.k8s.workload.kind", "External")
        .put("server.k8s.workload.name", "198.18.0.2")
        .put("server.port", 8080L)
        .put("network.transport", "tcp")
        .put("network.type", "ipv4")
        .put("chelonia.observer", "client")
        .put("network.io.direction", "transmit")
        .build());
  }

  @Test
  void podAndAddressAttributesAppearOnlyWhenTheEndpointCarriesThem() {
    Endpoint pod = new Endpoint("shop", "Deployment", "cart", "cart-7d9f-abcde", "10.1.2.3");
    Link detailed = new Link(new LinkKey(pod, Endpoint.external("198.18.0.2"), 443, NetworkType.IPV4, Observer.CLIENT),
        new LinkTotals(1, 1, 1, 0, Map.of(), 0, RttSummary.EMPTY), FIRST_SEEN, FIRST_SEEN);
    metrics.publish(List.of(detailed), List.of());

    Attributes attributes = points(produce().get(LinkMetrics.CONNECTIONS)).getFirst().getAttributes();

    assertThat(attributes.get(AttributeKey.stringKey("client.k8s.pod.name"))).isEqualTo("cart-7d9f-abcde");
    assertThat(attributes.get(AttributeKey.stringKey("client.address"))).isEqualTo("10.1.2.3");
    assertThat(attributes.get(AttributeKey.stringKey("server.k8s.pod.name"))).isNull();
    assertThat(attributes.get(AttributeKey.stringKey("server.address"))).isNull();
  }

  @Test
  void failuresAreOneSeriesPerReasonSeen() {
    Link failing = new Link(key(9), new LinkTotals(0, 0, 0, 0,
        Map.of(FailureReason.REFUSED, 3L, FailureReason.TIMEOUT, 1L), 0, RttSummary.EMPTY), FIRST_SEEN, NOW);
    metrics.publish(List.of(failing), List.of());

    List<LongPointData> failures = points(produce().get(LinkMetrics.FAILURES));

    assertThat(failures).hasSize(2);
    assertThat(withAttribute(failures, LinkAttributes.ERROR_TYPE, "refused").getValue()).isEqualTo(3);
    assertThat(withAttribute(failures, LinkAttributes.ERROR_TYPE, "timeout").getValue()).isEqualTo(1);
  }

  @Test
  void rttHistogramIsInSecondsWithTheLinkBuckets() {
    Long[] counts = new Long[RttSummary.BOUNDARIES_MICROS.size() + 1];
    java.util.Arrays.fill(counts, 0L);
    counts[1] = 2L;
    Link measured = new Link(key(80), new LinkTotals(10, 10, 1, 1, Map.of(), 0,
        new RttSummary(2, 400, 150, 250, List.of(counts))), FIRST_SEEN, NOW);
    metrics.publish(List.of(measured), List.of());

    HistogramPointData rtt = produce().get(LinkMetrics.RTT).getHistogramData().getPoints().iterator().next();

    assertThat(rtt.getCount()).isEqualTo(2);
    assertThat(rtt.getSum()).isEqualTo(0.0004);
    assertThat(rtt.getMin()).isEqualTo(0.00015);
    assertThat(rtt.getMax()).isEqualTo(0.00025);
    assertThat(rtt.getBoundaries().getFirst()).isEqualTo(0.0001);
    assertThat(rtt.getCounts()).hasSize(RttSummary.BOUNDARIES_MICROS.size() + 1);
    assertThat(rtt.getCounts().get(1)).isEqualTo(2);
  }

  @Test
  void linksPastTheSeriesLimitAreSummedIntoTheOverflowSeries() {
    LinkMetrics limited = new LinkMetrics(new MetricsOptions(3, false), CLOCK, "1");
    List<Link> links = List.of(link(1, 10, 1), link(2, 20, 2), link(3, 30, 3), link(4, 40, 4));

    limited.publish(links, List.of());
    List<LongPointData> transmit = points(produce(limited).get(LinkMetrics.BYTES)).stream()
        .filter(p -> "transmit".equals(p.getAttributes().get(LinkAttributes.DIRECTION))).toList();

    assertThat(transmit).hasSize(3);
    LongPointData overflow = transmit.stream()
        .filter(p -> Boolean.TRUE.equals(p.getAttributes().get(LinkAttributes.OVERFLOW))).findFirst().orElseThrow();
    assertThat(overflow.getAttributes().size()).isEqualTo(2); // the overflow marker and the direction
    assertThat(transmit.stream().mapToLong(LongPointData::getValue).sum()).isEqualTo(100);
    assertThat(limited.overflowLinks()).isEqualTo(2);
  }

  @Test
  void overflowSeriesNeverGoesDownWhenItsLinksExpire() {
    LinkMetrics limited = new LinkMetrics(new MetricsOptions(2, false), CLOCK, "1");
    Link kept = link(1, 10, 0);
    Link overflowing = link(2, 500, 0);
    limited.publish(List.of(kept, overflowing), List.of());
    long before = overflowTransmit(limited);

    limited.publish(List.of(kept), List.of(overflowing));

    assertThat(before).isEqualTo(500);
    assertThat(overflowTransmit(limited)).isEqualTo(500);
    assertThat(limited.overflowLinks()).isZero();
  }

  @Test
  void expiredAdmittedLinkFreesItsPlaceForANewLink() {
    LinkMetrics limited = new LinkMetrics(new MetricsOptions(2, false), CLOCK, "1");
    Link first = link(1, 10, 0);
    limited.publish(List.of(first), List.of());

    Link second = link(2, 20, 0);
    limited.publish(List.of(second), List.of(first));

    List<LongPointData> bytes = points(produce(limited).get(LinkMetrics.BYTES));
    assertThat(bytes).extracting(p -> p.getAttributes().get(LinkAttributes.SERVER_PORT)).containsOnly(2L);
  }

  @Test
  void carettaGaugeHasCarettaLabelsAndTheBytesTheObservingSideSentOnlyWhenAskedFor() {
    assertThat(produce()).doesNotContainKey(CarettaLabels.METRIC);
    LinkMetrics compatible = new LinkMetrics(new MetricsOptions(2000, true), CLOCK, "1");
    compatible.publish(List.of(link(3550, 2000, 537)), List.of());

    MetricData gauge = produce(compatible).get(CarettaLabels.METRIC);

    assertThat(gauge.getType()).isEqualTo(MetricDataType.LONG_GAUGE);
    LongPointData point = gauge.getLongGaugeData().getPoints().iterator().next();
    assertThat(point.getValue()).isEqualTo(2000); // the client observed it: what the client sent
    Map<String, Object> labels = new java.util.HashMap<>();
    point.getAttributes().forEach((k, v) -> labels.put(k.getKey(), v));
    assertThat(labels).containsEntry("client_name", "198.18.0.1").containsEntry("client_namespace", "node")
        .containsEntry("client_kind", "node").containsEntry("server_name", "198.18.0.2")
        .containsEntry("server_namespace", "external").containsEntry("server_kind", "external")
        .containsEntry("server_port", "3550").containsEntry("role", "1")
        .containsKeys("client_id", "server_id", "link_id");
    assertThat(CarettaLabels.id("demo-ng/Deployment/checkoutservice")).isEqualTo(CarettaLabels.id("demo-ng/Deployment/checkoutservice"));
  }

  private Map<String, MetricData> produce() {
    return produce(metrics);
  }

  private static Map<String, MetricData> produce(LinkMetrics producer) {
    Map<String, MetricData> byName = new java.util.HashMap<>();
    producer.produce(Resource.empty()).forEach(m -> byName.put(m.getName(), m));
    return byName;
  }

  private static long overflowTransmit(LinkMetrics producer) {
    return points(produce(producer).get(LinkMetrics.BYTES)).stream()
        .filter(p -> Boolean.TRUE.equals(p.getAttributes().get(LinkAttributes.OVERFLOW)))
        .filter(p -> "transmit".equals(p.getAttributes().get(LinkAttributes.DIRECTION)))
        .mapToLong(LongPointData::getValue).sum();
  }

  private static List<LongPointData> points(MetricData metric) {
    return List.copyOf(metric.getLongSumData().getPoints());
  }

  private static LongPointData withAttribute(List<LongPointData> points, AttributeKey<String> key, String value) {
    return points.stream().filter(p -> value.equals(p.getAttributes().get(key))).findFirst().orElseThrow();
  }

  private static LinkKey key(int port) {
    return new LinkKey(Endpoint.host("198.18.0.1"), Endpoint.external("198.18.0.2"), port, NetworkType.IPV4, Observer.CLIENT);
  }

  private static Link link(int port, long transmit, long receive) {
    return new Link(key(port), new LinkTotals(transmit, receive, 1, 0, Map.of(), 0, RttSummary.EMPTY), FIRST_SEEN, NOW);
  }
}
