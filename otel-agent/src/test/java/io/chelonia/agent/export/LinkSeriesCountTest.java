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
import io.chelonia.agent.testing.PrometheusProcess;
import io.opentelemetry.exporter.prometheus.PrometheusHttpServer;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What one link costs in series on the agent's Prometheus endpoint (README, metrics reference):
 * series are what a backend holds in memory and what hosted backends bill.
 */
class LinkSeriesCountTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:30Z");

  @Test
  void oneLinkIs8SeriesByDefault() throws Exception {
    // bytes (transmit, receive), connections, active, retransmits, RTT _sum, _count, _bucket +Inf.
    assertThat(seriesOfOneLink(MetricsOptions.defaults(), Map.of())).hasSize(8);
  }

  @Test
  void oneLinkIs22SeriesWithExplicitRttBuckets() throws Exception {
    // The 8, and 14 more RTT buckets (15 with +Inf).
    assertThat(
            seriesOfOneLink(
                MetricsOptions.defaults().withRttBuckets(RttBuckets.EXPLICIT), Map.of()))
        .hasSize(22);
  }

  @Test
  void failuresAndTheCarettaGaugeAddOneSeriesEach() throws Exception {
    assertThat(
            seriesOfOneLink(
                new MetricsOptions(MetricsOptions.DEFAULT_SERIES_LIMIT, true),
                Map.of(FailureReason.REFUSED, 2L, FailureReason.TIMEOUT, 1L)))
        .hasSize(8 + 2 + 1)
        .anyMatch(line -> line.startsWith("caretta_links_observed{"))
        .anyMatch(line -> line.contains("error_type=\"timeout\""));
  }

  @Test
  void theServersViewOfALinkWithAMonitoredClientIsLeftToTheClientsAgent() throws Exception {
    Endpoint pod = new Endpoint("shop", "Deployment", "checkout");
    Endpoint server = new Endpoint("shop", "Deployment", "orders-api");
    assertThat(seriesOfOneLink(MetricsOptions.defaults(), pod, server, Observer.SERVER)).isEmpty();
    assertThat(
            seriesOfOneLink(
                MetricsOptions.defaults().withObservers(Observers.ALL),
                pod,
                server,
                Observer.SERVER))
        .hasSize(8)
        .allMatch(line -> line.contains("chelonia_observer=\"server\""));
    // The client's agent exports it.
    assertThat(seriesOfOneLink(MetricsOptions.defaults(), pod, server, Observer.CLIENT)).hasSize(8);
    // An external client has no agent: the server's view is the only one.
    assertThat(
            seriesOfOneLink(
                MetricsOptions.defaults(),
                Endpoint.external("203.0.113.7"),
                server,
                Observer.SERVER))
        .hasSize(8);
    // Caretta's gauge keeps both roles, as Caretta exports them: only it, for the server's view.
    assertThat(
            seriesOfOneLink(
                new MetricsOptions(MetricsOptions.DEFAULT_SERIES_LIMIT, true),
                pod,
                server,
                Observer.SERVER))
        .singleElement()
        .satisfies(line -> assertThat(line).startsWith("caretta_links_observed{"));
  }

  private static List<String> seriesOfOneLink(
      MetricsOptions options, Map<FailureReason, Long> failures) throws Exception {
    return seriesOfOneLink(
        options,
        Endpoint.host("198.18.0.1"),
        Endpoint.external("198.18.0.2"),
        Observer.CLIENT,
        failures);
  }

  private static List<String> seriesOfOneLink(
      MetricsOptions options, Endpoint client, Endpoint server, Observer observer)
      throws Exception {
    return seriesOfOneLink(options, client, server, observer, Map.of());
  }

  /** The endpoint's lines (series) of one link, the agent's own metrics left out. */
  private static List<String> seriesOfOneLink(
      MetricsOptions options,
      Endpoint client,
      Endpoint server,
      Observer observer,
      Map<FailureReason, Long> failures)
      throws Exception {
    LinkMetrics links = new LinkMetrics(options, Clock.fixed(NOW, ZoneOffset.UTC), "1");
    int port = PrometheusProcess.freeLoopbackPort();
    SdkMeterProvider provider =
        SdkMeterProvider.builder()
            .registerMetricReader(
                PrometheusHttpServer.builder().setHost("127.0.0.1").setPort(port).build())
            .registerMetricProducer(links)
            .build();
    try {
      LinkKey key = new LinkKey(client, server, 8080, NetworkType.IPV4, observer);
      LinkTotals totals = LinkTotals.tcp(100, 200, 3, 1, failures, 0, RttSummary.EMPTY);
      links.publish(List.of(new Link(key, totals, NOW.minusSeconds(30), NOW)), List.of());
      return SelfMetricsScrapeTest.scrape(port)
          .lines()
          .filter(line -> !line.startsWith("#") && line.contains("server_port=\"8080\""))
          .toList();
    } finally {
      provider.close();
    }
  }
}
