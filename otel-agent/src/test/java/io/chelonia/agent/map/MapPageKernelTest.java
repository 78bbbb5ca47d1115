package io.chelonia.agent.map;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chelonia.agent.identity.ResolverChain;
import io.chelonia.agent.identity.local.LocalNames;
import io.chelonia.agent.kernel.KernelOptions;
import io.chelonia.agent.link.LinkPipeline;
import io.chelonia.agent.link.PipelineConfig;
import io.chelonia.agent.testing.Await;
import io.chelonia.agent.testing.HeadlessChromium;
import io.chelonia.agent.testing.NetnsHosts;
import io.chelonia.agent.testing.PeerExchange;
import io.chelonia.agent.testing.TrafficPeerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * The map page in a real browser against a running agent: real probes, real traffic between two
 * namespace hosts, names from /proc, headless Chromium reading the page as a user would (root,
 * {@code /usr/bin/chromium}; fails, never skips, without them).
 */
class MapPageKernelTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final String HOST = "map-test-host";
  private static final String CLIENT = "checkout";
  private static final String SERVER = "orders-api";

  /** A process name is anyone's to choose: this one is markup (14 characters: comm keeps 15). */
  private static final String MARKUP_NAME = "<svg onload=1>";

  private static final int CONNECTIONS = 3;
  private static final int BYTES_EACH_WAY = 1000;

  /** A port nobody listens on in host B. */
  private static final int CLOSED_PORT = 9;

  private static final String RED = "rgb(211,47,47)";

  private final ObjectMapper json = new ObjectMapper();

  @Test
  void drawsTheLinksBetweenTwoHostsWithExactTotalsAndTheRefusedOneRed() throws Exception {
    PipelineConfig config =
        new PipelineConfig(
            Duration.ofSeconds(1),
            PipelineConfig.DEFAULT_LINK_IDLE_EXPIRY,
            KernelOptions.defaults(),
            false,
            false);
    CountDownLatch stop = new CountDownLatch(1);
    LatestPoll latest = new LatestPoll(config.pollInterval());
    try (NetnsHosts hosts = NetnsHosts.create();
        LocalNames local = LocalNames.start(HOST, Duration.ofSeconds(10));
        LinkPipeline pipeline =
            LinkPipeline.open(
                config, new ResolverChain(List.of(local)), Set.of(), Clock.systemUTC());
        MapServer map = MapServer.start(new MapOptions("127.0.0.1", 0), latest);
        TrafficPeerProcess server =
            TrafficPeerProcess.startAs(
                SERVER,
                Optional.of(hosts.nameB()),
                "server",
                "198.18.0.2",
                "0",
                "0",
                "0",
                String.valueOf(CONNECTIONS),
                "--hold")) {
      Thread polls =
          Thread.ofPlatform()
              .name("map-test-polls")
              .start(
                  () -> {
                    try {
                      pipeline.run(Optional.of(TIMEOUT.multipliedBy(2)), stop, List.of(latest));
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  });
      try (HeadlessChromium chromium = HeadlessChromium.start(1400, 900)) {
        int port = PeerExchange.port(server);
        // Connections with nothing on them yet: whichever link a socket counts under before its
        // ends are named, the bytes below go to the named link, to the byte.
        try (TrafficPeerProcess client =
            TrafficPeerProcess.startAs(
                CLIENT,
                Optional.of(hosts.nameA()),
                "client",
                "198.18.0.2",
                String.valueOf(port),
                "0",
                "0",
                String.valueOf(CONNECTIONS),
                "--hold")) {
          client.awaitLine("HELD", TIMEOUT);
          awaitNamedFromBothEnds(map.port(), port);
          client.send("SEND " + BYTES_EACH_WAY);
          client.awaitLine("SENT", TIMEOUT);
          refused(hosts);

          chromium.open("http://127.0.0.1:" + map.port() + "/");
          clickButton(chromium, "window-start");
          String edge = CLIENT + " -> " + SERVER + ":" + port;
          long bytes = 2L * CONNECTIONS * BYTES_EACH_WAY;
          JsonNode drawn =
              chromium.awaitValue(
                  edgeScript(CLIENT, SERVER, port),
                  value ->
                      value
                          .path("label")
                          .asText()
                          .startsWith(
                              ":" + port + "  " + String.format(Locale.ROOT, "%,d", bytes) + " B"),
                  TIMEOUT);
          assertThat(drawn.path("label").asText())
              .as(edge)
              .contains("0 failed")
              .contains("rtt ")
              .contains("µs");
          assertThat(drawn.path("color").asText()).as(edge).isNotEqualTo(RED);
          assertThat(drawn.path("targetName").asText()).isEqualTo(SERVER);
          assertThat(drawn.path("sourceKind").asText()).isEqualTo("Process");

          JsonNode refusedEdge =
              chromium.awaitValue(
                  edgeScript(MARKUP_NAME, null, CLOSED_PORT),
                  value -> value.path("failures").asLong() > 0,
                  TIMEOUT);
          assertThat(refusedEdge.path("color").asText()).isEqualTo(RED);
          assertThat(refusedEdge.path("reasons").toString()).isEqualTo("{\"refused\":1}");
          assertThat(refusedEdge.path("label").asText()).contains("1 failed");
          assertThat(refusedEdge.path("sourceLabel").asText()).isEqualTo(MARKUP_NAME + "\nProcess");
          // The reasons on hover, where the mouse is. Other traffic on the machine can add ends and
          // move the layout between reading where the edge is and getting there: then again.
          String tip =
              Await.until(
                  TIMEOUT,
                  Duration.ofMillis(500),
                  () -> {
                    JsonNode at = chromium.evaluate(edgeScript(MARKUP_NAME, null, CLOSED_PORT));
                    chromium.hover(1, 1);
                    chromium.hover(at.path("x").asDouble(), at.path("y").asDouble());
                    JsonNode shown =
                        chromium.evaluate(
                            "(() => { const t = document.getElementById('tip'); return t.hidden ? null : t.textContent; })()");
                    return shown.isTextual() ? Optional.of(shown.asText()) : Optional.empty();
                  },
                  () -> "no tip on hovering the refused edge within " + TIMEOUT);
          assertThat(tip).endsWith(":" + CLOSED_PORT + "\nfailures: refused 1");

          // The window switch back: rates, the failed edge still red (first seen within 5 min).
          clickButton(chromium, "window-5m");
          JsonNode rated =
              chromium.awaitValue(
                  edgeScript(MARKUP_NAME, null, CLOSED_PORT),
                  value -> value.path("label").asText().contains("fail/s"),
                  TIMEOUT);
          assertThat(rated.path("color").asText()).isEqualTo(RED);

          chromium.screenshot(Path.of("target", "map-page", "map-kernel-test.png"));

          clickNode(chromium, CLIENT);
          // Its rows: the named link, and the one its sockets counted under before their server
          // end was named, if the first poll came before the agent's index of socket owners knew
          // it.
          JsonNode row =
              chromium.awaitValue(
                  TABLE_SCRIPT + ".filter((r) => r.server.endsWith('/" + SERVER + "'))[0]",
                  JsonNode::isObject,
                  TIMEOUT);
          assertThat(row.path("client").asText()).isEqualTo(HOST + "/Process/" + CLIENT);
          assertThat(row.path("server").asText()).isEqualTo(HOST + "/Process/" + SERVER);
          assertThat(row.path("port").asText()).isEqualTo(String.valueOf(port));
          assertThat(row.path("observer").asText()).isEqualTo("client");
          assertThat(row.path("bytes client→server").asText())
              .isEqualTo(String.format(Locale.ROOT, "%,d", CONNECTIONS * BYTES_EACH_WAY));
          assertThat(row.path("bytes server→client").asText())
              .isEqualTo(String.format(Locale.ROOT, "%,d", CONNECTIONS * BYTES_EACH_WAY));
          assertThat(row.path("active").asText()).isEqualTo(String.valueOf(CONNECTIONS));
          assertThat(row.path("failures").asText()).isEqualTo("0");

          clickNode(chromium, MARKUP_NAME);
          JsonNode markupRows =
              chromium.awaitValue(
                  TABLE_SCRIPT,
                  value ->
                      value.size() >= 1
                          && value.get(0).path("client").asText().contains(MARKUP_NAME),
                  TIMEOUT);
          assertThat(markupRows.get(0).path("client").asText())
              .isEqualTo(HOST + "/Process/" + MARKUP_NAME);
          assertThat(markupRows.get(0).path("failures").asText()).isEqualTo("refused=1");
          // The name stayed text: no element was made of it, and the page made no error.
          assertThat(chromium.evaluate("document.querySelectorAll('svg').length").asInt()).isZero();
          assertThat(chromium.events("Runtime.exceptionThrown")).isEmpty();
          chromium.screenshot(Path.of("target", "map-page", "map-kernel-test-table.png"));

          client.send("CLOSE");
          server.send("CLOSE");
          assertThat(client.awaitExit(TIMEOUT)).isZero();
          assertThat(server.awaitExit(TIMEOUT)).isZero();
        }
      } finally {
        stop.countDown();
        polls.join(TIMEOUT.toMillis());
      }
    }
  }

  /** Waits until /api/links shows the link named at both ends, from both observers. */
  private void awaitNamedFromBothEnds(int mapPort, int serverPort) {
    HttpClient http = HttpClient.newHttpClient();
    URI uri =
        URI.create(
            "http://127.0.0.1:" + mapPort + "/api/links?port=" + serverPort + "&name=" + SERVER);
    Await.until(
        TIMEOUT,
        Duration.ofMillis(250),
        () -> {
          try {
            HttpResponse<String> response =
                http.send(
                    HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode links = json.readTree(response.body()).path("links");
            long named = 0;
            for (JsonNode link : links) {
              if (link.path("client").path("name").asText().equals(CLIENT)
                  && link.path("connections_active").asLong() == CONNECTIONS) {
                named++;
              }
            }
            return named == 2;
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        },
        () ->
            "the link "
                + CLIENT
                + " -> "
                + SERVER
                + " was not named from both ends within "
                + TIMEOUT);
  }

  /** A connection from host A to a closed port of host B, by a process whose name is markup. */
  private static void refused(NetnsHosts hosts) {
    try (TrafficPeerProcess refused =
        TrafficPeerProcess.startAs(
            MARKUP_NAME,
            Optional.of(hosts.nameA()),
            "connect-refused",
            "198.18.0.2",
            String.valueOf(CLOSED_PORT))) {
      assertThat(refused.awaitExit(TIMEOUT)).as(refused.stderr()).isZero();
    }
  }

  /**
   * The drawn edge from the node named {@code source} to {@code port} (of the node named {@code
   * target}, if given): label, colour, failures, where it is on the screen.
   */
  private static String edgeScript(String source, String target, int port) {
    return """
        (() => {
          const cy = window.chelonia && window.chelonia.cy;
          if (!cy) return null;
          const edge = cy.edges().filter((e) => e.source().data('name') === %s && e.data('port') === %d
            && (%s === null || e.target().data('name') === %s))[0];
          if (!edge) return null;
          return { label: edge.data('label'), color: edge.style('line-color').replace(/ /g, ''),
            failures: edge.data('failures'), reasons: edge.data('reasons'),
            sourceLabel: edge.source().data('label'), sourceKind: edge.source().data('kind'),
            targetName: edge.target().data('name'), hidden: edge.hasClass('hidden'),
            x: cy.container().getBoundingClientRect().left + edge.renderedMidpoint().x,
            y: cy.container().getBoundingClientRect().top + edge.renderedMidpoint().y };
        })()
        """
        .formatted(
            jsString(source),
            port,
            target == null ? "null" : jsString(target),
            target == null ? "null" : jsString(target));
  }

  /** The rows of the links table, each as {column: text}. */
  static final String TABLE_SCRIPT =
      """
      (() => {
        const heads = [...document.querySelectorAll('#links thead th')].map((th) => th.textContent);
        return [...document.querySelectorAll('#links tbody tr')].map((tr) =>
          Object.fromEntries([...tr.children].map((td, i) => [heads[i], td.textContent])));
      })()
      """;

  /** Clicks the page's button of this id where it is drawn. */
  static void clickButton(HeadlessChromium chromium, String id) {
    JsonNode box =
        chromium.awaitValue(
            """
        (() => { const b = document.getElementById(%s); if (!b) return null;
          const r = b.getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()
        """
                .formatted(jsString(id)),
            value -> value.has("x"),
            TIMEOUT);
    chromium.click(box.path("x").asDouble(), box.path("y").asDouble());
  }

  /**
   * Clicks the drawn node whose name is {@code name}, at its centre on the screen, until the page
   * has it selected (a poll can move the layout between reading where the node is and clicking).
   */
  static void clickNode(HeadlessChromium chromium, String name) {
    String where =
        """
        (() => {
          const cy = window.chelonia && window.chelonia.cy;
          if (!cy) return null;
          const node = cy.nodes().filter((n) => n.data('name') === %s)[0];
          if (!node) return null;
          const p = node.renderedPosition();
          const box = cy.container().getBoundingClientRect();
          return { x: box.left + p.x, y: box.top + p.y };
        })()
        """
            .formatted(jsString(name));
    String selected =
        "(() => { const s = window.chelonia.state.selected; return s ? s.id : null; })()";
    Await.until(
        TIMEOUT,
        Duration.ofMillis(300),
        () -> {
          JsonNode position = chromium.evaluate(where);
          if (!position.has("x")) {
            return false;
          }
          chromium.click(position.path("x").asDouble(), position.path("y").asDouble());
          return chromium.evaluate(selected).asText().endsWith("/" + name);
        },
        () -> "could not click the node " + name + " within " + TIMEOUT);
  }

  /** {@code text} as a JavaScript string literal (JSON's string syntax is JavaScript's). */
  static String jsString(String text) {
    return new ObjectMapper().getNodeFactory().textNode(text).toString();
  }
}
