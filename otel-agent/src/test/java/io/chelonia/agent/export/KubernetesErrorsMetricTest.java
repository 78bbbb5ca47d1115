package io.chelonia.agent.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The Kubernetes error count reaches the self-metric, as a Prometheus scrape shows it. */
class KubernetesErrorsMetricTest {
  @Test
  void failedApiCallsAreACumulativeCounter() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    AtomicLong errors = new AtomicLong(3);
    try (Telemetry telemetry = Telemetry.start(MetricsOptions.defaults(), Map.of(),
        Map.of("otel.metrics.exporter", "prometheus",
            "otel.exporter.prometheus.host", "127.0.0.1",
            "otel.exporter.prometheus.port", String.valueOf(port)),
        "test", Clock.systemUTC())) {
      telemetry.countKubernetesErrors(errors::get);
      assertThat(scrape(port)).contains("# TYPE chelonia_agent_kubernetes_errors_total counter")
          .containsPattern("chelonia_agent_kubernetes_errors_total\\{[^}]*\\} 3\\.0");
      errors.addAndGet(4);
      assertThat(scrape(port))
          .containsPattern("chelonia_agent_kubernetes_errors_total\\{[^}]*\\} 7\\.0");
    }
  }

  static String scrape(int port) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }
}
