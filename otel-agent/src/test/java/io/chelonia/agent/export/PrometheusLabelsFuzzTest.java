package io.chelonia.agent.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.link.KernelDrops;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkKey;
import io.chelonia.agent.link.LinkPoll;
import io.chelonia.agent.link.LinkTotals;
import io.chelonia.agent.link.NetworkType;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.link.RttSummary;
import io.chelonia.agent.link.TableCounters;
import io.chelonia.agent.testing.HostileText;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Generated hostile workload names through the Prometheus endpoint: every sample stays one line and
 * every label reads back, by the text format's escaping rules, as the name it carries.
 */
class PrometheusLabelsFuzzTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private static final String SAMPLE = "chelonia_link_bytes_total{";

  @Test
  void everyNameReadsBackFromItsLabel() throws Exception {
    HostileText names =
        new HostileText(26, List.of("orders-api", "a\"} 1\nevil_total{x=\"", "\\n", "b\\\"c"));
    int port = SelfMetricsScrapeTest.freePort();
    try (Telemetry telemetry = SelfMetricsScrapeTest.start(port)) {
      for (int round = 0; round < 5; round++) {
        List<Link> links = new ArrayList<>();
        Set<String> sent = new HashSet<>();
        for (int i = 0; i < 200; i++) {
          String name = names.next(120);
          sent.add(new String(name.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
          links.add(
              new Link(
                  new LinkKey(
                      new Endpoint("shop", "Deployment", name),
                      Endpoint.external("198.18.0.2"),
                      1000 + i,
                      NetworkType.IPV4,
                      Observer.CLIENT),
                  LinkTotals.tcp(1, 1, 1, 0, Map.of(), 0, RttSummary.EMPTY),
                  T,
                  T));
        }
        telemetry.onPoll(
            new LinkPoll(
                T,
                Duration.ofMillis(1),
                1,
                KernelDrops.NONE,
                links,
                List.of(),
                TableCounters.NONE));

        Set<String> read = new HashSet<>();
        int samples = 0;
        for (String line : SelfMetricsScrapeTest.scrape(port).split("\n")) {
          if (line.startsWith(SAMPLE)) {
            Map<String, String> labels = labels(line);
            assertThat(line).as("sample line").matches("(?s).*\\} [0-9.eE+]+( [0-9]+)?");
            read.add(labels.get("client_k8s_workload_name"));
            samples++;
          }
        }
        assertThat(samples).isEqualTo(2 * links.size());
        assertThat(read).isEqualTo(sent);
        telemetry.onPoll(
            new LinkPoll(
                T,
                Duration.ofMillis(1),
                1,
                KernelDrops.NONE,
                List.of(),
                links,
                TableCounters.NONE));
      }
    }
  }

  /** The labels of one sample line, unescaped as the text format says (\\, \", \n). */
  private static Map<String, String> labels(String line) {
    Map<String, String> labels = new HashMap<>();
    int i = SAMPLE.length();
    while (line.charAt(i) != '}') {
      int eq = line.indexOf('=', i);
      String key = line.substring(i, eq);
      assertThat(line.charAt(eq + 1)).isEqualTo('"');
      StringBuilder value = new StringBuilder();
      int j = eq + 2;
      for (; line.charAt(j) != '"'; j++) {
        char c = line.charAt(j);
        if (c == '\\') {
          char next = line.charAt(++j);
          value.append(next == 'n' ? '\n' : next);
        } else {
          value.append(c);
        }
      }
      labels.put(key, value.toString());
      i = j + 1;
      if (line.charAt(i) == ',') {
        i++;
      }
    }
    return labels;
  }
}
