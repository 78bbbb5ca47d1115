package io.chelonia.agent.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.NameSource;
import io.chelonia.agent.identity.ResolverChain;
import io.chelonia.agent.kernel.KernelCounters;
import io.chelonia.agent.link.KernelDrops;
import io.chelonia.agent.link.LinkPoll;
import io.chelonia.agent.link.LinkTable;
import io.chelonia.agent.link.PortRange;
import io.chelonia.agent.testing.Sockets;
import io.chelonia.agent.tracing.SocketPoll;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Self-metrics fed by other parts of the agent, as a Prometheus scrape shows them. */
class SelfMetricsScrapeTest {
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  @Test
  void failedKubernetesApiCallsAreACumulativeCounter() throws Exception {
    int port = freePort();
    AtomicLong errors = new AtomicLong(3);
    try (Telemetry telemetry = start(port)) {
      telemetry.countKubernetesErrors(errors::get);
      assertThat(scrape(port))
          .contains("# TYPE chelonia_agent_kubernetes_errors_total counter")
          .containsPattern("chelonia_agent_kubernetes_errors_total\\{[^}]*\\} 3\\.0");
      errors.addAndGet(4);
      assertThat(scrape(port))
          .containsPattern("chelonia_agent_kubernetes_errors_total\\{[^}]*\\} 7\\.0");
    }
  }

  @Test
  void socketsThatWaitedForANameInVainAreACumulativeCounter() throws Exception {
    int port = freePort();
    NameSource knowsNobody = query -> Optional.empty();
    LinkTable table =
        new LinkTable(new ResolverChain(List.of(knowsNobody)), new PortRange(32768, 60999));
    try (Telemetry telemetry = start(port)) {
      // First sight, then the two polls of the naming wait: counted under the address.
      for (int i = 0; i <= 2; i++) {
        table.apply(
            new SocketPoll(
                T0.plusSeconds(i),
                List.of(
                    Sockets.client("10.0.0.1", 40000, "10.0.0.2", 5432)
                        .established()
                        .sent(10)
                        .build()),
                List.of(),
                KernelCounters.NONE,
                1,
                Duration.ofMillis(1),
                true));
      }
      telemetry.onPoll(
          new LinkPoll(
              T0.plusSeconds(2),
              Duration.ofMillis(1),
              1,
              KernelDrops.NONE,
              table.links(),
              List.of(),
              table.counters()));

      assertThat(scrape(port))
          .contains("# TYPE chelonia_agent_names_fallbacks_total counter")
          .containsPattern("chelonia_agent_names_fallbacks_total\\{[^}]*\\} 1\\.0");
    }
  }

  static Telemetry start(int port) {
    return Telemetry.start(
        MetricsOptions.defaults(),
        Map.of(),
        Map.of(
            "otel.metrics.exporter",
            "prometheus",
            "otel.exporter.prometheus.host",
            "127.0.0.1",
            "otel.exporter.prometheus.port",
            String.valueOf(port)),
        "test",
        Clock.systemUTC());
  }

  static int freePort() throws Exception {
    try (ServerSocket free = new ServerSocket(0)) {
      return free.getLocalPort();
    }
  }

  static String scrape(int port) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
