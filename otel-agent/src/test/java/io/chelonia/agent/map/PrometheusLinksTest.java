package io.chelonia.agent.map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chelonia.agent.testing.Await;
import io.chelonia.agent.testing.FixedHttpServer;
import io.chelonia.agent.testing.PrometheusProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster's links read from a real Prometheus (Debian's), which scrapes two "nodes" serving the
 * series the Collector would have remote-written; and what a Prometheus that is down or answers
 * garbage gives: one line.
 */
class PrometheusLinksTest {
  static final String TEXT = "text/plain; version=0.0.4";
  private static final String JSON = "application/json";
  private static final String LINK_A =
      "client_k8s_namespace_name=\"shop\",client_k8s_workload_kind=\"Deployment\","
          + "client_k8s_workload_name=\"checkout\",server_k8s_namespace_name=\"shop\","
          + "server_k8s_workload_kind=\"StatefulSet\",server_k8s_workload_name=\"orders\",server_port=\"8080\","
          + "network_transport=\"tcp\",network_type=\"ipv4\"";
  private static final String LINK_B =
      "client_k8s_namespace_name=\"external\",client_k8s_workload_kind=\"External\","
          + "client_k8s_workload_name=\"203.0.113.9\",server_k8s_namespace_name=\"shop\","
          + "server_k8s_workload_kind=\"StatefulSet\",server_k8s_workload_name=\"orders\",server_port=\"8080\","
          + "network_transport=\"tcp\",network_type=\"ipv4\"";

  /** Node 1 runs the client of link A and the server of link B (whose client is outside). */
  static final String NODE_1 =
      """
      chelonia_link_bytes_total{%1$s,chelonia_observer="client",network_io_direction="transmit"} 1000
      chelonia_link_bytes_total{%1$s,chelonia_observer="client",network_io_direction="receive"} 2000
      chelonia_link_connections_total{%1$s,chelonia_observer="client"} 3
      chelonia_link_active{%1$s,chelonia_observer="client"} 1
      chelonia_link_connection_failures_total{%1$s,chelonia_observer="client",error_type="refused"} 2
      chelonia_link_retransmits_total{%1$s,chelonia_observer="client"} 4
      chelonia_link_rtt_seconds_sum{%1$s,chelonia_observer="client"} 0.003
      chelonia_link_rtt_seconds_count{%1$s,chelonia_observer="client"} 3
      chelonia_link_bytes_total{%2$s,chelonia_observer="server",network_io_direction="transmit"} 500
      chelonia_link_bytes_total{%2$s,chelonia_observer="server",network_io_direction="receive"} 600
      chelonia_link_connections_total{%2$s,chelonia_observer="server"} 7
      chelonia_link_bytes_total{otel_metric_overflow="true"} 99
      """
          .formatted(LINK_A, LINK_B);

  /** Node 2 runs link A's server (its view is not counted) and a second replica of the client. */
  static final String NODE_2 =
      """
      chelonia_link_bytes_total{%1$s,chelonia_observer="server",network_io_direction="transmit"} 1000
      chelonia_link_bytes_total{%1$s,chelonia_observer="server",network_io_direction="receive"} 2000
      chelonia_link_connections_total{%1$s,chelonia_observer="server"} 3
      chelonia_link_bytes_total{%1$s,chelonia_observer="client",network_io_direction="transmit"} 10
      chelonia_link_bytes_total{%1$s,chelonia_observer="client",network_io_direction="receive"} 20
      chelonia_link_connections_total{%1$s,chelonia_observer="client"} 1
      """
          .formatted(LINK_A);

  @TempDir Path temp;

  @Test
  void aUdpLinkIsKeptApartFromTheTcpLinkBetweenTheSameEndsAndPort() throws Exception {
    String udp = LINK_A.replace("network_transport=\"tcp\"", "network_transport=\"udp\"");
    String node =
        """
        chelonia_link_bytes_total{%1$s,chelonia_observer="client",network_io_direction="transmit"} 1000
        chelonia_link_bytes_total{%1$s,chelonia_observer="client",network_io_direction="receive"} 2000
        chelonia_link_bytes_total{%2$s,chelonia_observer="client",network_io_direction="transmit"} 30
        chelonia_link_bytes_total{%2$s,chelonia_observer="client",network_io_direction="receive"} 40
        """
            .formatted(LINK_A, udp);
    try (FixedHttpServer node1 = FixedHttpServer.start(0, 200, TEXT, node);
        PrometheusProcess prometheus = PrometheusProcess.start(temp, List.of(node1.target()))) {
      PrometheusLinks links = new PrometheusLinks(prometheus.uri(), Duration.ofSeconds(1));
      List<LinkRow> rows =
          Await.until(
              Duration.ofSeconds(60),
              Duration.ofMillis(250),
              () -> {
                List<LinkRow> now = links.snapshot().rows();
                return now.size() == 2 ? Optional.of(now) : Optional.empty();
              },
              () -> "the node's series not read within 60 s: " + prometheus.logText());

      assertThat(rows)
          .extracting(
              row -> row.json().path("transport").asText(),
              row -> row.json().path("bytes_client_to_server").asLong())
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple("tcp", 1000L),
              org.assertj.core.groups.Tuple.tuple("udp", 30L));
    }
  }

  private final ObjectMapper json = new ObjectMapper();

  @Test
  void eachLinkIsCountedOnceAsTheDashboardsCountIt() throws Exception {
    try (FixedHttpServer node1 = FixedHttpServer.start(0, 200, TEXT, NODE_1);
        FixedHttpServer node2 = FixedHttpServer.start(0, 200, TEXT, NODE_2);
        PrometheusProcess prometheus =
            PrometheusProcess.start(temp, List.of(node1.target(), node2.target()))) {
      PrometheusLinks links = new PrometheusLinks(prometheus.uri(), Duration.ofSeconds(1));
      List<LinkRow> rows =
          Await.until(
              Duration.ofSeconds(60),
              Duration.ofMillis(250),
              () -> {
                List<LinkRow> now = links.snapshot().rows();
                boolean bothScraped =
                    now.size() == 2
                        && now.stream()
                            .anyMatch(row -> row.json().path("connections_opened").asLong() == 4);
                return bothScraped ? Optional.of(now) : Optional.empty();
              },
              () -> "the two nodes' series not read within 60 s: " + prometheus.logText());

      JsonNode a =
          rows.stream()
              .filter(row -> row.key().client().name().equals("checkout"))
              .findFirst()
              .orElseThrow()
              .json();
      assertThat(a.path("client").toString())
          .isEqualTo("{\"namespace\":\"shop\",\"kind\":\"Deployment\",\"name\":\"checkout\"}");
      assertThat(a.path("server").toString())
          .isEqualTo("{\"namespace\":\"shop\",\"kind\":\"StatefulSet\",\"name\":\"orders\"}");
      assertThat(a.path("server_port").asInt()).isEqualTo(8080);
      assertThat(a.path("observer").asText()).isEqualTo("client");
      assertThat(a.path("bytes_client_to_server").asLong()).isEqualTo(1010);
      assertThat(a.path("bytes_server_to_client").asLong()).isEqualTo(2020);
      assertThat(a.path("connections_opened").asLong()).isEqualTo(4);
      assertThat(a.path("connections_active").asLong()).isEqualTo(1);
      assertThat(a.path("connection_failures").toString()).isEqualTo("{\"refused\":2}");
      assertThat(a.path("retransmits").asLong()).isEqualTo(4);
      assertThat(a.path("rtt").path("samples").asLong()).isEqualTo(3);
      assertThat(a.path("rtt").path("mean_us").asDouble()).isCloseTo(1000.0, within(1e-6));
      assertThat(a.path("rtt").path("min_us").isNull()).isTrue();
      assertThat(a.path("first_seen").isNull()).isTrue();

      JsonNode b =
          rows.stream()
              .filter(row -> row.key().client().name().equals("203.0.113.9"))
              .findFirst()
              .orElseThrow()
              .json();
      assertThat(b.path("observer").asText()).isEqualTo("server");
      assertThat(b.path("bytes_client_to_server").asLong()).isEqualTo(500);
      assertThat(b.path("bytes_server_to_client").asLong()).isEqualTo(600);
      assertThat(b.path("connections_opened").asLong()).isEqualTo(7);

      // And through the map's endpoint, filtered like the agent's.
      try (MapServer map = MapServer.start(new MapOptions("127.0.0.1", 0), links)) {
        JsonNode answer = json.readTree(get(map, "/api/links?namespace=external").body());
        assertThat(answer.path("source").asText()).isEqualTo("prometheus");
        assertThat(answer.path("refresh_seconds").asDouble()).isEqualTo(1.0);
        assertThat(answer.path("links")).hasSize(1);
        assertThat(answer.path("links").get(0).path("client").path("name").asText())
            .isEqualTo("203.0.113.9");
      }
    }
  }

  @Test
  void aPrometheusThatIsDownIsOneLineAndA502() throws Exception {
    int closed = PrometheusProcess.freeLoopbackPort();
    PrometheusLinks links =
        new PrometheusLinks(URI.create("http://127.0.0.1:" + closed + "/"), Duration.ofSeconds(1));
    assertThatThrownBy(links::snapshot)
        .isInstanceOf(SourceUnavailableException.class)
        .hasMessageStartingWith("Prometheus at http://127.0.0.1:" + closed + " is unreachable: ")
        .message()
        .doesNotContain("\n");
    try (MapServer map = MapServer.start(new MapOptions("127.0.0.1", 0), links)) {
      HttpResponse<String> response = get(map, "/api/links");
      assertThat(response.statusCode()).isEqualTo(502);
      assertThat(json.readTree(response.body()).path("error").asText())
          .startsWith("Prometheus at http://127.0.0.1:" + closed + " is unreachable");
    }
  }

  @Test
  void aPrometheusAnsweringGarbageIsOneLineNamingWhat() {
    try (FixedHttpServer garbage =
        FixedHttpServer.start(0, 200, "text/html", "<html>\n<body>hello</body>\n</html>")) {
      PrometheusLinks links =
          new PrometheusLinks(URI.create("http://" + garbage.target()), Duration.ofSeconds(1));
      String at = "Prometheus at http://" + garbage.target();
      assertThatThrownBy(links::snapshot)
          .hasMessage(at + " answered HTTP 200, not JSON: <html> <body>hello</body> </html>");
      garbage.answer(
          400, JSON, "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error\"}");
      assertThatThrownBy(links::snapshot)
          .hasMessage(at + " refused the query (HTTP 400): parse error");
      garbage.answer(
          200, JSON, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}");
      assertThatThrownBy(links::snapshot)
          .hasMessageStartingWith(at + " answered a result that is not an instant vector: ");
      garbage.answer(
          200,
          JSON,
          """
          {"status":"success","data":{"resultType":"vector","result":[{"metric":{
            "client_k8s_workload_name":"a","server_k8s_workload_name":"b","server_port":"80",
            "network_type":"ipv4","chelonia_observer":"client"},"value":[1,"lots"]}]}}""");
      assertThatThrownBy(links::snapshot)
          .hasMessage(at + " answered a sample value that is no number: [1,\"lots\"]");
      garbage.answer(200, JSON, "[1,2,3]");
      assertThatThrownBy(links::snapshot)
          .hasMessage(at + " answered HTTP 200, not a query result: [1,2,3]");
    }
  }

  @Test
  void onlyAnHttpUrlIsTaken() {
    assertThatThrownBy(
            () -> new PrometheusLinks(URI.create("ftp://prometheus:9090"), Duration.ofSeconds(5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--prometheus must be an http(s) URL, was ftp://prometheus:9090");
    assertThatThrownBy(
            () -> new PrometheusLinks(URI.create("prometheus:9090"), Duration.ofSeconds(5)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static HttpResponse<String> get(MapServer map, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + map.port() + path)).build(),
            HttpResponse.BodyHandlers.ofString());
  }
}
