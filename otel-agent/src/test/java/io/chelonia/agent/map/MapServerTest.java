package io.chelonia.agent.map;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.link.FailureReason;
import io.chelonia.agent.link.KernelDrops;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkKey;
import io.chelonia.agent.link.LinkPoll;
import io.chelonia.agent.link.LinkTotals;
import io.chelonia.agent.link.NetworkType;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.link.RttSummary;
import io.chelonia.agent.link.TableCounters;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The map's HTTP side on a real server: read-only, the documented JSON, one-line errors. */
class MapServerTest {
  private static final Instant TIME = Instant.parse("2026-11-23T09:32:54.900Z");
  static final Link LINK =
      new Link(
          new LinkKey(
              Endpoint.host("198.18.0.1"),
              Endpoint.external("198.18.0.2"),
              8080,
              NetworkType.IPV4,
              Observer.CLIENT),
          LinkTotals.tcp(
              90021,
              210003,
              3,
              0,
              Map.of(FailureReason.REFUSED, 1L),
              0,
              new RttSummary(
                  3,
                  124,
                  38,
                  45,
                  List.of(3L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L))),
          Instant.parse("2026-11-23T09:32:52.100Z"),
          TIME);

  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private final LatestPoll latest = new LatestPoll(Duration.ofSeconds(5));
  private final MapServer server = MapServer.start(new MapOptions("127.0.0.1", 0), latest);

  @AfterEach
  void close() {
    server.close();
  }

  static LinkPoll poll(Instant time, List<Link> links) {
    return new LinkPoll(
        time, Duration.ofMillis(12), 3, KernelDrops.NONE, links, List.of(), TableCounters.NONE);
  }

  @Test
  void beforeTheFirstPollThereAreNoLinks() throws Exception {
    JsonNode answer = json.readTree(get("/api/links").body());
    assertThat(answer.toString())
        .isEqualTo("{\"source\":\"agent\",\"time\":null,\"refresh_seconds\":5.0,\"links\":[]}");
  }

  @Test
  void apiLinksServesTheLinksJsonObjectsOfTheLastPoll() throws Exception {
    latest.onPoll(poll(TIME, List.of(LINK)));
    HttpResponse<String> response = get("/api/links");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValue("application/json; charset=utf-8");
    JsonNode answer = json.readTree(response.body());
    assertThat(answer.path("time").asText()).isEqualTo("2026-11-23T09:32:54.900Z");
    // The README's example of the links --json view, field for field.
    assertThat(answer.path("links").get(0))
        .isEqualTo(
            json.readTree(
                """
        {"time":"2026-11-23T09:32:54.900Z","client":{"namespace":"node","kind":"Host","name":"198.18.0.1"},
         "server":{"namespace":"external","kind":"External","name":"198.18.0.2"},"server_port":8080,
         "transport":"tcp","network_type":"ipv4","observer":"client",
         "bytes_client_to_server":90021,"bytes_server_to_client":210003,"connections_opened":3,
         "connections_active":0,"connection_failures":{"refused":1},"retransmits":0,
         "rtt":{"samples":3,"mean_us":41.333333333333336,"min_us":38,"max_us":45},
         "first_seen":"2026-11-23T09:32:52.100Z","last_seen":"2026-11-23T09:32:54.900Z"}
        """));
    assertThat(json.readTree(get("/api/links?port=8080&observer=client").body()).path("links"))
        .hasSize(1);
    assertThat(json.readTree(get("/api/links?port=8081").body()).path("links")).isEmpty();
  }

  @Test
  void unknownOrBadQueryParametersAre400WithOneLine() throws Exception {
    HttpResponse<String> response = get("/api/links?namespace=a&since=5m");
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .isEqualTo(
            "{\"error\":\"unknown query parameter 'since': expected namespace, name, port, observer\","
                + "\"refresh_seconds\":5.0}");
    assertThat(get("/api/links?port=99999").body())
        .isEqualTo(
            "{\"error\":\"port must be a number from 1 to 65535, was '99999'\",\"refresh_seconds\":5.0}");
  }

  @Test
  void onlyGetAndHeadAreAnswered() throws Exception {
    for (String method : List.of("POST", "PUT", "DELETE", "PATCH", "OPTIONS")) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(uri("/api/links"))
                  .method(method, HttpRequest.BodyPublishers.ofString("{}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(method).isEqualTo(405);
      assertThat(response.headers().firstValue("Allow")).as(method).hasValue("GET, HEAD");
    }
    HttpResponse<String> head =
        http.send(
            HttpRequest.newBuilder(uri("/"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
  }

  @Test
  void servesThePageAndCytoscapeWithItsLicenceFromTheJarAndNothingElse() throws Exception {
    HttpResponse<String> page = get("/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body())
        .contains("<script src=\"vendor/cytoscape.min.js\"></script>")
        .doesNotContain("http://", "https://");
    assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
        .contains("script-src 'self'")
        .contains("default-src 'none'");
    assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(get("/vendor/cytoscape.min.js").body()).contains("cytoscape");
    assertThat(get("/vendor/cytoscape-LICENSE.txt").body())
        .contains("The Cytoscape Consortium")
        .contains("Permission is hereby granted");
    assertThat(get("/map.js").statusCode()).isEqualTo(200);
    assertThat(get("/map.css").statusCode()).isEqualTo(200);
    assertThat(get("/../pom.xml").statusCode()).isEqualTo(404);
    assertThat(get("/io/chelonia/agent/map/MapServer.class").statusCode()).isEqualTo(404);
  }

  @Test
  void thePageNeverPutsDataIntoMarkup() throws Exception {
    String script = get("/map.js").body();
    assertThat(script)
        .doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(");
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }
}
