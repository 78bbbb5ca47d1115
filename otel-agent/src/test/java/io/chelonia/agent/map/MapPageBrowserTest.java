package io.chelonia.agent.map;

import static io.chelonia.agent.map.MapPageKernelTest.TABLE_SCRIPT;
import static io.chelonia.agent.map.MapPageKernelTest.clickNode;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.link.FailureReason;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkKey;
import io.chelonia.agent.link.LinkTotals;
import io.chelonia.agent.link.NetworkType;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.testing.FixedHttpServer;
import io.chelonia.agent.testing.HeadlessChromium;
import io.chelonia.agent.testing.PrometheusProcess;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The map page in headless Chromium against links the test makes itself: hostile names, 5,000
 * links, a Prometheus that is down or answers garbage.
 */
class MapPageBrowserTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final String SCRIPT_NAME = "<script>alert(1)</script>";
  private static final String IMG_NAME = "<img src=x onerror=\"window.pwned=1\">";
  private static final String NAMESPACE = "<b>shop</b>";
  private static final int LINKS = 5000;

  @Test
  void namesThatAreMarkupAreShownAsText() {
    LatestPoll latest = new LatestPoll(Duration.ofSeconds(1));
    Instant now = Instant.now();
    Link link =
        new Link(
            new LinkKey(
                new Endpoint(NAMESPACE, "Process", SCRIPT_NAME),
                new Endpoint(NAMESPACE, "Process", IMG_NAME),
                443,
                NetworkType.IPV4,
                Observer.CLIENT),
            LinkTotals.tcp(
                1234567,
                7654321,
                2,
                1,
                Map.of(FailureReason.REFUSED, 3L),
                5,
                MapServerTest.LINK.totals().rtt()),
            now.minusSeconds(30),
            now);
    latest.onPoll(MapServerTest.poll(now, List.of(link)));
    try (MapServer map = MapServer.start(new MapOptions("127.0.0.1", 0), latest);
        HeadlessChromium chromium = HeadlessChromium.start(1200, 800)) {
      chromium.open("http://127.0.0.1:" + map.port() + "/");
      clickNode(chromium, SCRIPT_NAME);
      JsonNode rows = chromium.awaitValue(TABLE_SCRIPT, value -> value.size() == 1, TIMEOUT);
      JsonNode row = rows.get(0);
      assertThat(row.path("client").asText()).isEqualTo(NAMESPACE + "/Process/" + SCRIPT_NAME);
      assertThat(row.path("server").asText()).isEqualTo(NAMESPACE + "/Process/" + IMG_NAME);
      assertThat(row.path("bytes client→server").asText()).isEqualTo("1,234,567");
      assertThat(row.path("bytes server→client").asText()).isEqualTo("7,654,321");
      assertThat(row.path("failures").asText()).isEqualTo("refused=3");
      assertThat(chromium.evaluate("document.getElementById('details-title').textContent").asText())
          .isEqualTo(
              "Links of "
                  + NAMESPACE
                  + "/Process/"
                  + SCRIPT_NAME
                  + " (1, totals since first seen)");
      JsonNode labels = chromium.evaluate("window.chelonia.cy.nodes().map((n) => n.data('label'))");
      assertThat(labels)
          .extracting(JsonNode::asText)
          .containsExactlyInAnyOrder(NAMESPACE, SCRIPT_NAME + "\nProcess", IMG_NAME + "\nProcess");
      // Nothing was made of the names: no element, no script run, no dialog, no error.
      assertThat(
              chromium
                  .evaluate("document.querySelectorAll('body script, body img, body b').length")
                  .asInt())
          .isZero();
      assertThat(chromium.evaluate("typeof window.pwned").asText()).isEqualTo("undefined");
      assertThat(chromium.events("Page.javascriptDialogOpening")).isEmpty();
      assertThat(chromium.events("Runtime.exceptionThrown")).isEmpty();
      chromium.screenshot(Path.of("target", "map-page", "map-markup-names.png"));
    }
  }

  @Test
  void fiveThousandLinksAreDrawnAndTheTimeToFirstDrawIsMeasured() throws IOException {
    LatestPoll latest = new LatestPoll(Duration.ofSeconds(5));
    Instant now = Instant.now();
    List<Link> links = new ArrayList<>(LINKS);
    for (int i = 0; i < LINKS; i++) {
      // 250 clients in 25 namespaces, each calling 20 servers in 5 namespaces.
      Endpoint client = new Endpoint("team-" + (i % 25), "Deployment", "client-" + (i % 250));
      Endpoint server =
          new Endpoint("backend-" + (i / 250 % 5), "StatefulSet", "server-" + (i / 250));
      links.add(
          new Link(
              new LinkKey(client, server, 8000 + i / 250, NetworkType.IPV4, Observer.CLIENT),
              LinkTotals.tcp(
                  1000L * i,
                  2000L * i,
                  i,
                  1,
                  i % 100 == 0 ? Map.of(FailureReason.TIMEOUT, 1L) : Map.of(),
                  0,
                  MapServerTest.LINK.totals().rtt()),
              now.minusSeconds(600),
              now));
    }
    latest.onPoll(MapServerTest.poll(now, links));
    try (MapServer map = MapServer.start(new MapOptions("127.0.0.1", 0), latest);
        HeadlessChromium chromium = HeadlessChromium.start(1400, 900)) {
      long opened = System.nanoTime();
      chromium.open("http://127.0.0.1:" + map.port() + "/");
      JsonNode firstDraw =
          chromium.awaitValue(
              "window.chelonia && window.chelonia.state.firstDrawMs", JsonNode::isNumber, TIMEOUT);
      long wallMillis = (System.nanoTime() - opened) / 1_000_000;
      assertThat(chromium.evaluate("window.chelonia.cy.edges().length").asInt()).isEqualTo(LINKS);
      assertThat(chromium.evaluate("window.chelonia.cy.nodes().not('.namespace').length").asInt())
          .isEqualTo(270);
      assertThat(chromium.evaluate("window.chelonia.cy.edges('.failed').length").asInt())
          .isEqualTo(LINKS / 100);
      // Still answering: a filter typed now is applied.
      long filtering = System.nanoTime();
      chromium.evaluate(
          """
          (() => { const f = document.getElementById('filter'); f.value = 'server-7';
            f.dispatchEvent(new Event('input')); return true; })()""");
      long filterMillis = (System.nanoTime() - filtering) / 1_000_000;
      assertThat(chromium.evaluate("window.chelonia.cy.edges().not('.hidden').length").asInt())
          .isEqualTo(250);
      chromium.screenshot(Path.of("target", "map-page", "map-5000-links.png"));
      String figures =
          "5,000 links, 270 ends: first draw "
              + Math.round(firstDraw.asDouble())
              + " ms after the page's script started, "
              + wallMillis
              + " ms from navigation; filter applied in "
              + filterMillis
              + " ms";
      System.out.println("map page: " + figures);
      Files.createDirectories(Path.of("target", "map-page"));
      Files.writeString(Path.of("target", "map-page", "first-draw-5000.txt"), figures + "\n");
    }
  }

  @Test
  void theClusterMapFromPrometheusDrawsEachLinkOnce(@TempDir Path temp) {
    try (FixedHttpServer node1 =
            FixedHttpServer.start(0, 200, PrometheusLinksTest.TEXT, PrometheusLinksTest.NODE_1);
        FixedHttpServer node2 =
            FixedHttpServer.start(0, 200, PrometheusLinksTest.TEXT, PrometheusLinksTest.NODE_2);
        PrometheusProcess prometheus =
            PrometheusProcess.start(temp, List.of(node1.target(), node2.target()));
        MapServer map =
            MapServer.start(
                new MapOptions("127.0.0.1", 0),
                new PrometheusLinks(prometheus.uri(), Duration.ofSeconds(1)));
        HeadlessChromium chromium = HeadlessChromium.start(1200, 800)) {
      chromium.open("http://127.0.0.1:" + map.port() + "/");
      MapPageKernelTest.clickButton(chromium, "window-start");
      // Link A from node 1's client and node 2's replica, its server view left out; link B from
      // its server, its client being outside: two edges, each once, with the summed totals.
      JsonNode edges =
          chromium.awaitValue(
              """
          (() => window.chelonia ? window.chelonia.cy.edges().map((e) => e.source().data('name') + ' -> '
            + e.target().data('name') + ' ' + e.data('label') + ' ' + e.hasClass('failed')).sort() : null)()""",
              value -> value.size() == 2 && value.get(1).asText().contains("3,030 B"),
              TIMEOUT);
      assertThat(edges)
          .extracting(JsonNode::asText)
          .containsExactly(
              "203.0.113.9 -> orders :8080  1,100 B\n7 conn  0 failed  rtt -  0 retrans false",
              "checkout -> orders :8080  3,030 B\n4 conn  2 failed  rtt 1000 µs  4 retrans true");
      assertThat(chromium.evaluate("document.getElementById('status').textContent").asText())
          .startsWith("prometheus · 2 links · as of ");
      chromium.screenshot(Path.of("target", "map-page", "map-from-prometheus.png"));
    }
  }

  @Test
  void aPrometheusDownThenAnsweringGarbageIsOneErrorLineAndThePageRetries() {
    int port = PrometheusProcess.freeLoopbackPort();
    PrometheusLinks links =
        new PrometheusLinks(URI.create("http://127.0.0.1:" + port), Duration.ofSeconds(1));
    try (MapServer map = MapServer.start(new MapOptions("127.0.0.1", 0), links);
        HeadlessChromium chromium = HeadlessChromium.start(1200, 800)) {
      chromium.open("http://127.0.0.1:" + map.port() + "/");
      String error =
          "(() => { const e = document.getElementById('error');"
              + " return !e || !window.chelonia ? 'loading' : e.hidden ? null : e.textContent; })()";
      JsonNode down =
          chromium.awaitValue(error, value -> value.asText().startsWith("Cannot"), TIMEOUT);
      assertThat(down.asText())
          .startsWith(
              "Cannot read the links: Prometheus at http://127.0.0.1:" + port + " is unreachable")
          .endsWith("(retrying every 1 s)")
          .doesNotContain("\n");
      chromium.screenshot(Path.of("target", "map-page", "map-prometheus-down.png"));
      try (FixedHttpServer garbage = FixedHttpServer.start(port, 200, "text/plain", "hello")) {
        JsonNode answered =
            chromium.awaitValue(error, value -> value.asText().contains("not JSON"), TIMEOUT);
        assertThat(answered.asText())
            .isEqualTo(
                "Cannot read the links: Prometheus at http://127.0.0.1:"
                    + port
                    + " answered HTTP 200, not JSON: hello (retrying every 1 s)");
        garbage.answer(
            200,
            "application/json",
            "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}");
        chromium.awaitValue(error, JsonNode::isNull, TIMEOUT);
        assertThat(chromium.evaluate("document.getElementById('status').textContent").asText())
            .startsWith("prometheus · 0 links · as of ");
      }
      assertThat(chromium.events("Runtime.exceptionThrown")).isEmpty();
    }
  }
}
