package io.chelonia.agent.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.link.FailureReason;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkKey;
import io.chelonia.agent.link.LinkTotals;
import io.chelonia.agent.link.NetworkType;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.link.RttSummary;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each reader sees a new link series at zero first, then its totals; gauges as they are. */
class NewSeriesAtZeroTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:30Z");

  private final LinkMetrics links =
      new LinkMetrics(new MetricsOptions(2000, true), Clock.fixed(NOW, ZoneOffset.UTC), "1");
  private final InMemoryMetricReader scrape = InMemoryMetricReader.create();
  private final InMemoryMetricReader push = InMemoryMetricReader.create();
  private final SdkMeterProvider provider =
      SdkMeterProvider.builder()
          .registerMetricReader(new NewSeriesAtZero(scrape, LinkMetrics.COUNTED))
          .registerMetricReader(new NewSeriesAtZero(push, LinkMetrics.COUNTED))
          .registerMetricProducer(links)
          .build();

  @AfterEach
  void close() {
    provider.close();
  }

  @Test
  void aNewSeriesIsZeroAtItsFirstCollectionByEachReader() {
    Link first = link(8080, 100, 200, 1);
    links.publish(List.of(first), List.of());

    assertThat(values(scrape))
        .containsAllEntriesOf(
            Map.of(
                "chelonia.link.bytes/transmit",
                0.0,
                "chelonia.link.bytes/receive",
                0.0,
                "chelonia.link.connections",
                0.0,
                "chelonia.link.connection.failures/refused",
                0.0,
                "chelonia.link.rtt",
                0.0,
                "caretta_links_observed",
                0.0,
                // A gauge, not counted by rate(): its value at once.
                "chelonia.link.active",
                1.0));
    assertThat(values(scrape))
        .containsAllEntriesOf(
            Map.of(
                "chelonia.link.bytes/transmit",
                100.0,
                "chelonia.link.bytes/receive",
                200.0,
                "chelonia.link.connections",
                3.0,
                "chelonia.link.connection.failures/refused",
                2.0,
                "chelonia.link.rtt",
                4.0,
                "caretta_links_observed",
                100.0));
    // The push reader has not collected yet: zero for it too, then the totals.
    assertThat(values(push)).containsEntry("chelonia.link.bytes/transmit", 0.0);
    assertThat(values(push)).containsEntry("chelonia.link.bytes/transmit", 100.0);

    // A second link appears: it alone starts at zero.
    links.publish(List.of(link(8080, 150, 200, 1), link(9090, 7, 8, 0)), List.of());
    Map<String, Double> next = values(scrape);
    assertThat(next)
        .containsEntry("chelonia.link.bytes/transmit", 150.0)
        .containsEntry("9090 chelonia.link.bytes/transmit", 0.0);
    assertThat(values(scrape)).containsEntry("9090 chelonia.link.bytes/transmit", 7.0);
  }

  @Test
  void aSeriesThatWasGoneAtACollectionStartsAtZeroAgain() {
    Link first = link(8080, 100, 200, 0);
    links.publish(List.of(first), List.of());
    values(scrape);
    assertThat(values(scrape)).containsEntry("chelonia.link.bytes/transmit", 100.0);

    links.publish(List.of(), List.of(first));
    assertThat(values(scrape)).doesNotContainKey("chelonia.link.bytes/transmit");
    links.publish(List.of(link(8080, 5, 6, 0)), List.of());
    assertThat(values(scrape)).containsEntry("chelonia.link.bytes/transmit", 0.0);
    assertThat(values(scrape)).containsEntry("chelonia.link.bytes/transmit", 5.0);
  }

  @Test
  void aReaderWithAHoldShowsANewSeriesAtZeroToEveryCollectionWithinIt() {
    // One endpoint scraped by two Prometheus servers every 30 s, 10 s apart: both see the zero.
    AtomicLong nanos = new AtomicLong(1_000_000_000L);
    InMemoryMetricReader endpoint = InMemoryMetricReader.create();
    SdkMeterProvider scraped =
        SdkMeterProvider.builder()
            .registerMetricReader(
                new NewSeriesAtZero(
                    endpoint, LinkMetrics.COUNTED, Duration.ofSeconds(30), nanos::get))
            .registerMetricProducer(links)
            .build();
    try {
      links.publish(List.of(link(8080, 100, 200, 0)), List.of());
      assertThat(values(endpoint)).containsEntry("chelonia.link.bytes/transmit", 0.0);
      nanos.addAndGet(Duration.ofSeconds(10).toNanos());
      assertThat(values(endpoint)).containsEntry("chelonia.link.bytes/transmit", 0.0);
      nanos.addAndGet(Duration.ofSeconds(20).toNanos() - 1);
      assertThat(values(endpoint)).containsEntry("chelonia.link.bytes/transmit", 0.0);
      // The hold is over: the first scraper's second scrape, 30 s after its first.
      nanos.incrementAndGet();
      assertThat(values(endpoint)).containsEntry("chelonia.link.bytes/transmit", 100.0);

      // A link appearing later is held from its own first collection.
      links.publish(List.of(link(8080, 150, 200, 0), link(9090, 7, 8, 0)), List.of());
      assertThat(values(endpoint))
          .containsEntry("chelonia.link.bytes/transmit", 150.0)
          .containsEntry("9090 chelonia.link.bytes/transmit", 0.0);
      nanos.addAndGet(Duration.ofSeconds(30).toNanos());
      assertThat(values(endpoint)).containsEntry("9090 chelonia.link.bytes/transmit", 7.0);
    } finally {
      scraped.close();
    }
  }

  @Test
  void aNegativeHoldIsRefused() {
    assertThatThrownBy(
            () ->
                new NewSeriesAtZero(
                    InMemoryMetricReader.create(),
                    LinkMetrics.COUNTED,
                    Duration.ofSeconds(-1),
                    System::nanoTime))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hold");
  }

  /**
   * One collection by {@code reader}: each point's value, keyed by metric name and distinguishing
   * attributes.
   */
  private static Map<String, Double> values(InMemoryMetricReader reader) {
    Map<String, Double> values = new TreeMap<>();
    for (MetricData metric : reader.collectAllMetrics()) {
      for (PointData point : metric.getData().getPoints()) {
        String key = metric.getName();
        Object port = point.getAttributes().get(LinkAttributes.SERVER_PORT);
        if (port == null) { // Caretta's label
          port =
              point
                  .getAttributes()
                  .get(io.opentelemetry.api.common.AttributeKey.stringKey("server_port"));
        }
        if (port != null && !port.toString().equals("8080")) {
          key = port + " " + key;
        }
        Object detail = point.getAttributes().get(LinkAttributes.DIRECTION);
        if (detail == null) {
          detail = point.getAttributes().get(LinkAttributes.ERROR_TYPE);
        }
        if (detail != null) {
          key += "/" + detail;
        }
        values.put(
            key,
            switch (point) {
              case io.opentelemetry.sdk.metrics.data.LongPointData p -> (double) p.getValue();
              case io.opentelemetry.sdk.metrics.data.HistogramPointData p -> (double) p.getCount();
              default -> Double.NaN;
            });
      }
    }
    return values;
  }

  private static Link link(int port, long transmit, long receive, long active) {
    LinkKey key =
        new LinkKey(
            Endpoint.host("198.18.0.1"),
            Endpoint.external("198.18.0.2"),
            port,
            NetworkType.IPV4,
            Observer.CLIENT);
    // Four samples of 250 µs, all in the (100, 250] bucket.
    RttSummary rtt =
        new RttSummary(
            4,
            1000,
            250,
            250,
            java.util.stream.IntStream.rangeClosed(0, RttSummary.BOUNDARIES_MICROS.size())
                .mapToObj(i -> i == 1 ? 4L : 0L)
                .toList());
    LinkTotals totals =
        LinkTotals.tcp(transmit, receive, 3, active, Map.of(FailureReason.REFUSED, 2L), 0, rtt);
    return new Link(key, totals, NOW.minusSeconds(30), NOW);
  }
}
