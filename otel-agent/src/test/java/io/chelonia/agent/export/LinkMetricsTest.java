package io.chelonia.agent.export;

import static io.opentelemetry.api.common.AttributeKey.stringKey;
import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.assertThat;
import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.equalTo;
import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.satisfies;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.link.FailureReason;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkKey;
import io.chelonia.agent.link.LinkTotals;
import io.chelonia.agent.link.NetworkType;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.link.RttSummary;
import io.chelonia.agent.link.Transport;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.assertj.HistogramAssert;
import io.opentelemetry.sdk.testing.assertj.HistogramPointAssert;
import io.opentelemetry.sdk.testing.assertj.LongPointAssert;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The metric contract of the README's metrics reference, on the data the SDK exports. */
class LinkMetricsTest {
  private static final Instant FIRST_SEEN = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant NOW = FIRST_SEEN.plusSeconds(30);
  private static final long FIRST_SEEN_NANOS = FIRST_SEEN.getEpochSecond() * 1_000_000_000L;
  private static final long NOW_NANOS = NOW.getEpochSecond() * 1_000_000_000L;
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final AttributeKey<String> RESPONSE_CODE = stringKey("dns.response_code");

  private final LinkMetrics metrics = new LinkMetrics(MetricsOptions.defaults(), CLOCK, "1.2.3");

  @Test
  void everyInstrumentHasItsContractUnitKindAndTemporality() {
    metrics.publish(List.of(link(8080, 100, 200)), List.of());

    Map<String, MetricData> byName = produce();

    InstrumentationScopeInfo scope =
        InstrumentationScopeInfo.builder("io.chelonia.agent").setVersion("1.2.3").build();
    Map<String, String> monotonicSums =
        Map.of(
            LinkMetrics.BYTES,
            "By",
            LinkMetrics.CONNECTIONS,
            "{connection}",
            LinkMetrics.FAILURES,
            "{connection}",
            LinkMetrics.RETRANSMITS,
            "{segment}");
    monotonicSums.forEach(
        (name, unit) ->
            assertThat(byName.get(name))
                .as(name)
                .hasUnit(unit)
                .hasInstrumentationScope(scope)
                .hasLongSumSatisfying(sum -> sum.isMonotonic().isCumulative()));
    assertThat(byName.get(LinkMetrics.ACTIVE))
        .hasUnit("{connection}")
        .hasLongSumSatisfying(sum -> sum.isNotMonotonic().isCumulative());
    assertThat(byName.get(LinkMetrics.RTT))
        .hasUnit("s")
        .hasHistogramSatisfying(HistogramAssert::isCumulative);
  }

  @Test
  void bytesCarryTheLinkAttributesADirectionAndTheLinkStartTime() {
    metrics.publish(List.of(link(8080, 100, 200)), List.of());

    assertThat(produce().get(LinkMetrics.BYTES))
        .hasLongSumSatisfying(
            sum ->
                sum.hasPointsSatisfying(
                    point ->
                        point
                            .hasValue(100)
                            .hasStartEpochNanos(FIRST_SEEN_NANOS)
                            .hasEpochNanos(NOW_NANOS)
                            .hasAttributes(hostToExternal(8080, "transmit")),
                    point ->
                        point
                            .hasValue(200)
                            .hasStartEpochNanos(FIRST_SEEN_NANOS)
                            .hasEpochNanos(NOW_NANOS)
                            .hasAttributes(hostToExternal(8080, "receive"))));
  }

  @Test
  void podAndAddressAttributesAppearOnlyWhenTheEndpointCarriesThem() {
    Endpoint pod = new Endpoint("shop", "Deployment", "cart", "cart-7d9f-abcde", "10.1.2.3");

    assertOneConnectionPoint(
        new LinkKey(pod, Endpoint.external("198.18.0.2"), 443, NetworkType.IPV4, Observer.CLIENT),
        point ->
            point
                .hasAttribute(LinkAttributes.CLIENT_POD, "cart-7d9f-abcde")
                .hasAttribute(LinkAttributes.CLIENT_ADDRESS, "10.1.2.3")
                .hasAttributesSatisfying(
                    attributes -> {
                      assertThat(attributes.get(LinkAttributes.SERVER_POD)).isNull();
                      assertThat(attributes.get(LinkAttributes.SERVER_ADDRESS)).isNull();
                    }));
  }

  @Test
  void serviceDialledAndZonesOfBothEndsAreAttributesOfTheLink() {
    Endpoint client =
        new Endpoint("shop", "Deployment", "checkout").withTopology("eu-west-1a", "eu-west-1");
    Endpoint backend =
        new Endpoint("shop", "Deployment", "orders-api").withTopology("eu-west-1b", "eu-west-1");

    assertOneConnectionPoint(
        new LinkKey(
            client,
            backend,
            8080,
            NetworkType.IPV4,
            Observer.CLIENT,
            Optional.of(new Endpoint("shop", "Service", "orders-api"))),
        point ->
            point
                .hasAttribute(LinkAttributes.SERVER_NAME, "orders-api")
                .hasAttribute(LinkAttributes.SERVER_KIND, "Deployment")
                .hasAttribute(LinkAttributes.SERVER_SERVICE_NAME, "orders-api")
                .hasAttribute(LinkAttributes.SERVER_SERVICE_NAMESPACE, "shop")
                .hasAttribute(LinkAttributes.CLIENT_ZONE, "eu-west-1a")
                .hasAttribute(LinkAttributes.SERVER_ZONE, "eu-west-1b")
                .hasAttribute(LinkAttributes.CLIENT_REGION, "eu-west-1")
                .hasAttribute(LinkAttributes.SERVER_REGION, "eu-west-1"));
  }

  @Test
  void failuresAreOneSeriesPerReasonSeen() {
    Link failing =
        new Link(
            key(9),
            LinkTotals.tcp(
                0,
                0,
                0,
                0,
                Map.of(FailureReason.REFUSED, 3L, FailureReason.TIMEOUT, 1L),
                0,
                RttSummary.EMPTY),
            FIRST_SEEN,
            NOW);
    metrics.publish(List.of(failing), List.of());

    assertThat(produce().get(LinkMetrics.FAILURES))
        .hasLongSumSatisfying(
            sum ->
                sum.hasPointsSatisfying(
                    point -> point.hasValue(3).hasAttribute(LinkAttributes.ERROR_TYPE, "refused"),
                    point -> point.hasValue(1).hasAttribute(LinkAttributes.ERROR_TYPE, "timeout")));
  }

  @Test
  void rttHistogramIsSumAndCountOnlyByDefault() {
    metrics.publish(List.of(twoRttSamples()), List.of());

    assertThat(produce().get(LinkMetrics.RTT))
        .hasHistogramSatisfying(
            histogram ->
                histogram.hasPointsSatisfying(
                    point -> twoRttSamples(point).hasBucketBoundaries().hasBucketCounts(2)));
  }

  @Test
  void rttHistogramIsInSecondsWithTheLinkBucketsWhenAskedFor() {
    LinkMetrics explicit =
        new LinkMetrics(MetricsOptions.defaults().withRttBuckets(RttBuckets.EXPLICIT), CLOCK, "1");
    explicit.publish(List.of(twoRttSamples()), List.of());

    assertThat(produce(explicit).get(LinkMetrics.RTT))
        .hasHistogramSatisfying(
            histogram ->
                histogram.hasPointsSatisfying(
                    point ->
                        twoRttSamples(point)
                            .hasBucketBoundaries(
                                0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                0.1, 0.25, 0.5, 1.0, 2.5)
                            .hasBucketCounts(0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)));
  }

  @Test
  void linksPastTheSeriesLimitAreSummedIntoTheOverflowSeries() {
    LinkMetrics limited = new LinkMetrics(new MetricsOptions(3, false), CLOCK, "1");
    List<Link> links = List.of(link(1, 10, 1), link(2, 20, 2), link(3, 30, 3), link(4, 40, 4));

    limited.publish(links, List.of());

    assertThat(produce(limited).get(LinkMetrics.BYTES))
        .hasLongSumSatisfying(
            sum ->
                sum.hasPointsSatisfying(
                    linkBytes(1, "transmit", 10), linkBytes(1, "receive", 1),
                    linkBytes(2, "transmit", 20), linkBytes(2, "receive", 2),
                    overflowBytes("transmit", 70), overflowBytes("receive", 7)));
    assertThat(limited.overflowLinks()).isEqualTo(2);
  }

  @Test
  void overflowSeriesNeverGoesDownWhenItsLinksExpire() {
    LinkMetrics limited = new LinkMetrics(new MetricsOptions(2, false), CLOCK, "1");
    Link kept = link(1, 10, 0);
    Link overflowing = link(2, 500, 0);
    limited.publish(List.of(kept, overflowing), List.of());
    assertThat(produce(limited).get(LinkMetrics.BYTES))
        .hasLongSumSatisfying(sum -> sum.containsPointsSatisfying(overflowBytes("transmit", 500)));

    limited.publish(List.of(kept), List.of(overflowing));

    assertThat(produce(limited).get(LinkMetrics.BYTES))
        .hasLongSumSatisfying(sum -> sum.containsPointsSatisfying(overflowBytes("transmit", 500)));
    assertThat(limited.overflowLinks()).isZero();
  }

  @Test
  void expiredAdmittedLinkFreesItsPlaceForANewLink() {
    LinkMetrics limited = new LinkMetrics(new MetricsOptions(2, false), CLOCK, "1");
    Link first = link(1, 10, 0);
    limited.publish(List.of(first), List.of());

    Link second = link(2, 20, 0);
    limited.publish(List.of(second), List.of(first));

    assertThat(produce(limited).get(LinkMetrics.BYTES))
        .hasLongSumSatisfying(
            sum ->
                sum.hasPointsSatisfying(linkBytes(2, "transmit", 20), linkBytes(2, "receive", 0)));
  }

  @Test
  void carettaGaugeHasCarettaLabelsAndTheBytesTheObservingSideSentOnlyWhenAskedFor() {
    assertThat(produce()).doesNotContainKey(CarettaLabels.METRIC);
    LinkMetrics compatible = new LinkMetrics(new MetricsOptions(2000, true), CLOCK, "1");
    compatible.publish(List.of(link(3550, 2000, 537)), List.of());

    assertThat(produce(compatible).get(CarettaLabels.METRIC))
        .hasLongGaugeSatisfying(
            gauge ->
                gauge.hasPointsSatisfying(
                    // The client observed it: what the client sent.
                    point ->
                        point
                            .hasValue(2000)
                            .hasAttributesSatisfyingExactly(
                                equalTo(stringKey("client_name"), "198.18.0.1"),
                                equalTo(stringKey("client_namespace"), "node"),
                                equalTo(stringKey("client_kind"), "node"),
                                equalTo(stringKey("server_name"), "198.18.0.2"),
                                equalTo(stringKey("server_namespace"), "external"),
                                equalTo(stringKey("server_kind"), "external"),
                                equalTo(stringKey("server_port"), "3550"),
                                equalTo(stringKey("role"), "1"),
                                satisfies(stringKey("client_id"), id -> id.isNotEmpty()),
                                satisfies(stringKey("server_id"), id -> id.isNotEmpty()),
                                satisfies(stringKey("link_id"), id -> id.isNotEmpty()))));
    // Ids are 32-bit FNV-1a, printed unsigned: the published test vectors of "" and "a".
    assertThat(CarettaLabels.id("")).isEqualTo("2166136261");
    assertThat(CarettaLabels.id("a")).isEqualTo("3826002220");
  }

  @Test
  void aUdpLinkHasBytesAndDatagramsEachWayAndNoConnectionSeries() {
    metrics.publish(
        List.of(udpLink(53, LinkTotals.udp(35, 51, 1, 2, Map.of())), link(8080, 100, 200)),
        List.of());

    Map<String, MetricData> byName = produce();

    assertThat(byName.get(LinkMetrics.DATAGRAMS))
        .hasUnit("{datagram}")
        .hasLongSumSatisfying(
            sum ->
                sum.isMonotonic()
                    .isCumulative()
                    .hasPointsSatisfying(udpPoint(53, "transmit", 1), udpPoint(53, "receive", 2)));
    assertThat(byName.get(LinkMetrics.BYTES))
        .hasLongSumSatisfying(
            sum ->
                sum.hasPointsSatisfying(
                    udpPoint(53, "transmit", 35),
                    udpPoint(53, "receive", 51),
                    linkBytes(8080, "transmit", 100),
                    linkBytes(8080, "receive", 200)));
    // The connection series are the TCP link's only.
    for (String tcpOnly :
        List.of(
            LinkMetrics.CONNECTIONS,
            LinkMetrics.ACTIVE,
            LinkMetrics.RETRANSMITS,
            LinkMetrics.RTT)) {
      assertThat(byName.get(tcpOnly).getData().getPoints()).as(tcpOnly).hasSize(1);
    }
  }

  @Test
  void aClientsLinkToPort53HasItsAnswersByResponseCodeAndItsQueriesWithoutAnswer() {
    metrics.publish(
        List.of(
            udpLink(53, LinkTotals.udp(300, 500, 8, 7, Map.of(0, 5L, 3, 2L))),
            udpLink(5353, LinkTotals.udp(1, 0, 1, 0, Map.of()))),
        List.of());

    Map<String, MetricData> byName = produce();

    assertThat(byName.get(LinkMetrics.DNS_ANSWERS))
        .hasUnit("{answer}")
        .hasLongSumSatisfying(
            sum ->
                sum.isMonotonic()
                    .hasPointsSatisfying(
                        resolverPoint(5, Attributes.of(RESPONSE_CODE, "NOERROR")),
                        resolverPoint(2, Attributes.of(RESPONSE_CODE, "NXDOMAIN"))));
    // Only the link to port 53 has it: 8 queries, 7 answers.
    assertThat(byName.get(LinkMetrics.DNS_UNANSWERED))
        .hasUnit("{query}")
        .hasLongSumSatisfying(
            sum -> sum.isNotMonotonic().hasPointsSatisfying(resolverPoint(1, Attributes.empty())));
  }

  @Test
  void aTcpOnlyMapHasNoDatagramsMetricAndCarettaStaysTcp() {
    LinkMetrics compatible = new LinkMetrics(new MetricsOptions(2000, true), CLOCK, "1");
    compatible.publish(
        List.of(udpLink(53, LinkTotals.udp(35, 51, 1, 1, Map.of())), link(3550, 2000, 537)),
        List.of());
    metrics.publish(List.of(link(8080, 1, 1)), List.of());

    assertThat(produce()).doesNotContainKey(LinkMetrics.DATAGRAMS);
    assertThat(produce(compatible).get(CarettaLabels.METRIC))
        .hasLongGaugeSatisfying(
            gauge ->
                gauge.hasPointsSatisfying(
                    point -> point.hasValue(2000).hasAttribute(stringKey("server_port"), "3550")));
  }

  /** A link with two RTT samples, 150 and 250 µs, both in the (100, 250] µs bucket. */
  private static Link twoRttSamples() {
    Long[] counts = new Long[RttSummary.BOUNDARIES_MICROS.size() + 1];
    java.util.Arrays.fill(counts, 0L);
    counts[1] = 2L;
    return new Link(
        key(80),
        LinkTotals.tcp(
            10, 10, 1, 1, Map.of(), 0, new RttSummary(2, 400, 150, 250, List.of(counts))),
        FIRST_SEEN,
        NOW);
  }

  /** The RTT point of {@link #twoRttSamples()}, in seconds, its buckets left to the caller. */
  private static HistogramPointAssert twoRttSamples(HistogramPointAssert point) {
    return point.hasCount(2).hasSum(0.0004).hasMin(0.00015).hasMax(0.00025);
  }

  private Map<String, MetricData> produce() {
    return produce(metrics);
  }

  private static Map<String, MetricData> produce(LinkMetrics producer) {
    Map<String, MetricData> byName = new HashMap<>();
    producer.produce(Resource.empty()).forEach(m -> byName.put(m.getName(), m));
    return byName;
  }

  /**
   * The attributes of a link from host 198.18.0.1 to external 198.18.0.2 on {@code port}, seen by
   * the client.
   */
  private static Attributes hostToExternal(long port, String direction) {
    return Attributes.builder()
        .put("client.k8s.namespace.name", "node")
        .put("client.k8s.workload.kind", "Host")
        .put("client.k8s.workload.name", "198.18.0.1")
        .put("server.k8s.namespace.name", "external")
        .put("server.k8s.workload.kind", "External")
        .put("server.k8s.workload.name", "198.18.0.2")
        .put("server.port", port)
        .put("network.transport", "tcp")
        .put("network.type", "ipv4")
        .put("chelonia.observer", "client")
        .put("network.io.direction", direction)
        .build();
  }

  private static Consumer<LongPointAssert> linkBytes(long port, String direction, long value) {
    return point -> point.hasValue(value).hasAttributes(hostToExternal(port, direction));
  }

  /** A point of {@link #udpLink}'s on {@code port}, in {@code direction}. */
  private static Consumer<LongPointAssert> udpPoint(long port, String direction, long value) {
    Attributes udp =
        hostToExternal(port, direction).toBuilder().put("network.transport", "udp").build();
    return point -> point.hasValue(value).hasAttributes(udp);
  }

  /**
   * A point of the client's UDP link to port 53, which has no direction, with {@code more}
   * attributes.
   */
  private static Consumer<LongPointAssert> resolverPoint(long value, Attributes more) {
    Attributes link =
        hostToExternal(53, "transmit").toBuilder()
            .remove(LinkAttributes.DIRECTION)
            .put("network.transport", "udp")
            .putAll(more)
            .build();
    return point -> point.hasValue(value).hasAttributes(link);
  }

  /** Publishes one link with one connection and asserts its one connections point. */
  private void assertOneConnectionPoint(LinkKey key, Consumer<LongPointAssert> point) {
    metrics.publish(
        List.of(
            new Link(
                key,
                LinkTotals.tcp(1, 1, 1, 0, Map.of(), 0, RttSummary.EMPTY),
                FIRST_SEEN,
                FIRST_SEEN)),
        List.of());
    assertThat(produce().get(LinkMetrics.CONNECTIONS))
        .hasLongSumSatisfying(sum -> sum.hasPointsSatisfying(point));
  }

  /** The overflow series carries only the overflow marker and the direction. */
  private static Consumer<LongPointAssert> overflowBytes(String direction, long value) {
    return point ->
        point
            .hasValue(value)
            .hasAttributesSatisfyingExactly(
                equalTo(LinkAttributes.OVERFLOW, true),
                equalTo(LinkAttributes.DIRECTION, direction));
  }

  private static LinkKey key(int port) {
    return key(port, Transport.TCP);
  }

  /** The key of a link from host 198.18.0.1 to external 198.18.0.2, seen by the client. */
  private static LinkKey key(int port, Transport transport) {
    return new LinkKey(
        Endpoint.host("198.18.0.1"),
        Endpoint.external("198.18.0.2"),
        port,
        NetworkType.IPV4,
        Observer.CLIENT,
        Optional.empty(),
        transport);
  }

  private static Link udpLink(int port, LinkTotals totals) {
    return new Link(key(port, Transport.UDP), totals, FIRST_SEEN, NOW);
  }

  private static Link link(int port, long transmit, long receive) {
    return new Link(
        key(port),
        LinkTotals.tcp(transmit, receive, 1, 0, Map.of(), 0, RttSummary.EMPTY),
        FIRST_SEEN,
        NOW);
  }
}
