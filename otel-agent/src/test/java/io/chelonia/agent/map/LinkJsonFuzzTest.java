package io.chelonia.agent.map;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkKey;
import io.chelonia.agent.link.LinkTotals;
import io.chelonia.agent.link.NetworkType;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.link.RttSummary;
import io.chelonia.agent.testing.HostileText;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Generated hostile names through the JSON of {@code links --json} and {@code /api/links}: each
 * link stays one line and every name reads back exactly as it was.
 */
class LinkJsonFuzzTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void namesReadBackExactlyAndALinkIsOneLine() throws Exception {
    ObjectMapper reader = new ObjectMapper();
    LinkJson json = new LinkJson();
    HostileText names =
        new HostileText(25, List.of("orders-api", "\"},\"x\":{\"", "</script><script>", "a\\\"b"));
    for (int i = 0; i < 5_000; i++) {
      String client = names.next(200);
      String server = names.next(200);
      String namespace = names.next(40);
      Link link =
          new Link(
              new LinkKey(
                  new Endpoint(namespace, "Deployment", client),
                  new Endpoint("shop", "Process", server),
                  8080,
                  NetworkType.IPV4,
                  Observer.CLIENT),
              LinkTotals.tcp(1, 2, 1, 0, Map.of(), 0, RttSummary.EMPTY),
              T,
              T);

      String line = json.toLine(T, link);

      assertThat(line).as("line for %s / %s", client, server).doesNotContain("\n", "\r");
      JsonNode back = reader.readTree(line);
      assertThat(back.path("client").path("name").asText()).isEqualTo(client);
      assertThat(back.path("client").path("namespace").asText()).isEqualTo(namespace);
      assertThat(back.path("server").path("name").asText()).isEqualTo(server);
      assertThat(back.path("server_port").asInt()).isEqualTo(8080);
    }
  }
}
