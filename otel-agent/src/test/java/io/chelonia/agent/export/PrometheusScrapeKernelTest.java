package io.chelonia.agent.export;

import static io.chelonia.agent.testing.AgentUnderTest.VERSION;
import static io.chelonia.agent.testing.ExportTraffic.CLIENT_SENDS;
import static io.chelonia.agent.testing.ExportTraffic.CONNECTIONS;
import static io.chelonia.agent.testing.ExportTraffic.REFUSED_PORT;
import static io.chelonia.agent.testing.ExportTraffic.SERVER_ADDRESS;
import static io.chelonia.agent.testing.ExportTraffic.SERVER_SENDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chelonia.agent.lifecycle.Closing;
import io.chelonia.agent.testing.AgentUnderTest;
import io.chelonia.agent.testing.Await;
import io.chelonia.agent.testing.ExportTraffic;
import io.chelonia.agent.testing.NetnsHosts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's Prometheus endpoint as a real Prometheus sees it: real traffic between two
 * network-namespace hosts, the real probes, the SDK's Prometheus exporter, and Debian's {@code
 * prometheus} scraping it every second; the checks are PromQL queries on its HTTP API. Needs root
 * and {@code /usr/bin/prometheus}; fails, never skips, without them.
 */
class PrometheusScrapeKernelTest {
  private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  private static final String LOOPBACK = "127.0.0.1";
  private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(5);

  @AutoClose private static NetnsHosts hosts;

  @TempDir Path temp;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(HTTP_TIMEOUT).build();
  private final ObjectMapper json = new ObjectMapper();
  private int agentPort;
  private int prometheusPort;
  private AgentUnderTest agent;
  private Process prometheus;
  private Path prometheusLog;

  @BeforeAll
  static void createHosts() {
    hosts = NetnsHosts.create();
  }

  @BeforeEach
  void checkPrometheusAndChoosePorts() {
    assertThat(Files.isExecutable(PROMETHEUS))
        .as(
            "%s is missing: install Debian's prometheus package (apt-get install prometheus)",
            PROMETHEUS)
        .isTrue();
    agentPort = freePort();
    prometheusPort = freePort();
  }

  @AfterEach
  void stopEverything() {
    Closing.closeAll(this::stopPrometheus, agent);
  }

  @Test
  void prometheusScrapesTheLinkSeriesWithExactValuesAndTheirLabels() {
    startAgent(MetricsOptions.defaults());
    startPrometheus();
    int port = ExportTraffic.exchange(hosts);
    ExportTraffic.connectRefused(hosts);
    agent.poll();

    String link = "server_port=\"" + port + "\",chelonia_observer=\"client\"";
    JsonNode transmit =
        awaitValue(
            "chelonia_link_bytes_total{" + link + ",network_io_direction=\"transmit\"}",
            CONNECTIONS * CLIENT_SENDS);
    // The new series was scraped at zero first, so increase() and rate() count every byte.
    awaitValue(
        "min_over_time(chelonia_link_bytes_total{"
            + link
            + ",network_io_direction=\"transmit\"}[10m])",
        0);
    Map<String, String> labels = labels(transmit);
    assertThat(labels)
        .containsAllEntriesOf(
            Map.of(
                "__name__", "chelonia_link_bytes_total",
                "client_k8s_namespace_name", "node",
                "client_k8s_workload_kind", "Host",
                "client_k8s_workload_name", "198.18.0.1",
                "server_k8s_namespace_name", "external",
                "server_k8s_workload_kind", "External",
                "server_k8s_workload_name", SERVER_ADDRESS,
                "network_transport", "tcp",
                "network_type", "ipv4",
                "network_io_direction", "transmit"));
    assertThat(labels)
        .containsEntry("server_port", String.valueOf(port))
        .containsEntry("chelonia_observer", "client")
        .containsEntry("job", "chelonia")
        .containsEntry("instance", LOOPBACK + ":" + agentPort);
    awaitValue(
        "chelonia_link_bytes_total{" + link + ",network_io_direction=\"receive\"}",
        CONNECTIONS * SERVER_SENDS);
    awaitValue(
        "chelonia_link_bytes_total{server_port=\""
            + port
            + "\",chelonia_observer=\"server\",network_io_direction=\"transmit\"}",
        CONNECTIONS * CLIENT_SENDS);
    awaitValue("chelonia_link_connections_total{" + link + "}", CONNECTIONS);
    awaitValue("chelonia_link_active{" + link + "}", 0);
    awaitValue("chelonia_link_retransmits_total{" + link + "}", 0);
    // Every connection gave the RTT histogram one sample at least.
    JsonNode rttCount =
        awaitSeries(
            "chelonia_link_rtt_seconds_count{" + link + "}",
            result -> result.size() == 1 && value(result.get(0)) >= CONNECTIONS);
    assertThat(labels(rttCount.get(0)))
        .containsEntry("__name__", "chelonia_link_rtt_seconds_count");

    JsonNode refused =
        awaitValue(
            "chelonia_link_connection_failures_total{server_port=\""
                + REFUSED_PORT
                + "\",chelonia_observer=\"client\",server_k8s_workload_name=\""
                + SERVER_ADDRESS
                + "\"}",
            1);
    assertThat(labels(refused))
        .containsEntry("error_type", "refused")
        .containsEntry("server_k8s_workload_name", SERVER_ADDRESS);

    JsonNode target =
        awaitSeries("target_info{host_name=\"test-host\"}", result -> result.size() == 1);
    assertThat(labels(target.get(0)))
        .containsAllEntriesOf(
            Map.of(
                "host_name", "test-host",
                "k8s_node_name", "node-1",
                "k8s_cluster_name", "cluster-1",
                "service_version", VERSION,
                "job", "chelonia",
                "instance", LOOPBACK + ":" + agentPort));
  }

  @Test
  void carettaGaugeCarriesTheBytesSentByTheObservingSideWithCarettaLabels() {
    startAgent(new MetricsOptions(2000, true));
    startPrometheus();
    int port = ExportTraffic.exchange(hosts);
    agent.poll();

    JsonNode observed =
        awaitValue(
            "caretta_links_observed{server_port=\"" + port + "\",role=\"1\"}",
            CONNECTIONS * CLIENT_SENDS);
    awaitValue(
        "min_over_time(caretta_links_observed{server_port=\"" + port + "\",role=\"1\"}[10m])", 0);
    Map<String, String> labels = labels(observed);
    assertThat(labels)
        .containsKeys(
            "client_name",
            "server_name",
            "client_namespace",
            "server_namespace",
            "client_kind",
            "server_kind",
            "client_id",
            "server_id",
            "link_id");
    assertThat(labels)
        .containsAllEntriesOf(
            Map.of(
                "client_name", "198.18.0.1",
                "client_namespace", "node",
                "client_kind", "node",
                "server_name", SERVER_ADDRESS,
                "server_namespace", "external",
                "server_kind", "external"));
    assertThat(labels.get("client_id")).containsOnlyDigits();
    assertThat(labels.get("link_id")).containsOnlyDigits();
    // The server's side of the same link, role 2: what the server sent.
    awaitValue(
        "caretta_links_observed{server_port=\"" + port + "\",role=\"2\"}",
        CONNECTIONS * SERVER_SENDS);
  }

  /** The agent serving Prometheus on {@code agentPort}, its own endpoint's sockets left out. */
  private void startAgent(MetricsOptions options) {
    Map<String, String> properties =
        Map.of(
            "otel.metrics.exporter",
            "prometheus",
            "otel.exporter.prometheus.port",
            String.valueOf(agentPort),
            "otel.exporter.prometheus.host",
            LOOPBACK);
    agent = AgentUnderTest.start(options, AgentUnderTest.RESOURCE, properties, Set.of(agentPort));
  }

  // --- Prometheus ---

  private void startPrometheus() {
    try {
      Path config = temp.resolve("prometheus.yml");
      Files.writeString(
          config,
          """
          global:
            scrape_interval: 1s
            scrape_timeout: 1s
            evaluation_interval: 1s
          scrape_configs:
            - job_name: chelonia
              scrape_interval: 1s
              scrape_timeout: 1s
              static_configs:
                - targets: ['%s:%d']
          """
              .formatted(LOOPBACK, agentPort));
      Path data = Files.createDirectories(temp.resolve("data"));
      prometheusLog = temp.resolve("prometheus.log");
      prometheus =
          new ProcessBuilder(
                  PROMETHEUS.toString(),
                  "--config.file=" + config,
                  "--storage.tsdb.path=" + data,
                  "--web.listen-address=" + LOOPBACK + ":" + prometheusPort)
              .directory(temp.toFile())
              .redirectErrorStream(true)
              .redirectOutput(prometheusLog.toFile())
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + PROMETHEUS, e);
    }
    Await.until(
        READY_TIMEOUT,
        Duration.ofMillis(100),
        this::prometheusReady,
        () -> "prometheus not ready within " + READY_TIMEOUT + ":\n" + prometheusLogTail());
  }

  private boolean prometheusReady() {
    if (!prometheus.isAlive()) {
      throw new AssertionError(
          "prometheus exited with " + prometheus.exitValue() + ":\n" + prometheusLogTail());
    }
    try {
      return get("/-/ready").statusCode() == 200;
    } catch (IOException notYet) {
      return false; // Not listening yet.
    }
  }

  private void stopPrometheus() {
    if (prometheus == null) {
      return;
    }
    Process stopping = prometheus;
    prometheus = null;
    stopping.destroy();
    try {
      if (!stopping.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        stopping.destroyForcibly();
        stopping.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopping.destroyForcibly();
    }
  }

  /**
   * Queries until the result is one series whose value is {@code expected}; returns that series.
   */
  private JsonNode awaitValue(String promql, long expected) {
    return awaitSeries(promql, result -> result.size() == 1 && value(result.get(0)) == expected)
        .get(0);
  }

  /** Queries until the result (the array of series) satisfies {@code condition}; returns it. */
  private JsonNode awaitSeries(String promql, Predicate<JsonNode> condition) {
    AtomicReference<String> last = new AtomicReference<>("(no answer)");
    return Await.until(
        QUERY_TIMEOUT,
        Duration.ofMillis(250),
        () -> {
          try {
            HttpResponse<String> response =
                get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
            last.set(response.statusCode() + " " + response.body());
            if (response.statusCode() == 200) {
              JsonNode body = json.readTree(response.body());
              assertThat(body.path("status").asText())
                  .as("query %s: %s", promql, last.get())
                  .isEqualTo("success");
              return Optional.of(body.path("data").path("result")).filter(condition);
            }
          } catch (IOException e) {
            last.set(e.toString());
          }
          return Optional.empty();
        },
        () ->
            "PromQL "
                + promql
                + " did not give the expected answer within "
                + QUERY_TIMEOUT
                + "; last answer: "
                + last.get()
                + "\nagent endpoint:\n"
                + agentMetricsText()
                + "\nprometheus log:\n"
                + prometheusLogTail());
  }

  private static double value(JsonNode series) {
    return Double.parseDouble(series.path("value").path(1).asText());
  }

  private static Map<String, String> labels(JsonNode series) {
    Map<String, String> labels = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> label : series.path("metric").properties()) {
      labels.put(label.getKey(), label.getValue().asText());
    }
    return labels;
  }

  private HttpResponse<String> get(String path) throws IOException {
    return get(URI.create("http://" + LOOPBACK + ":" + prometheusPort + path));
  }

  private HttpResponse<String> get(URI uri) throws IOException {
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(HTTP_TIMEOUT).GET().build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during GET " + uri, e);
    }
  }

  /** What the agent serves, for failure messages. */
  private String agentMetricsText() {
    try {
      HttpResponse<String> response =
          get(URI.create("http://" + LOOPBACK + ":" + agentPort + "/metrics"));
      return response.statusCode() + "\n" + response.body();
    } catch (IOException | RuntimeException e) {
      return "(agent endpoint unreadable: " + e + ")";
    }
  }

  private String prometheusLogTail() {
    try {
      List<String> lines = prometheusLog == null ? List.of() : Files.readAllLines(prometheusLog);
      return String.join(
          "\n", new ArrayList<>(lines.subList(Math.max(0, lines.size() - 40), lines.size())));
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port", e);
    }
  }
}
