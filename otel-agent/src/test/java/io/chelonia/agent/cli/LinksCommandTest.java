package io.chelonia.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chelonia.agent.testing.NetnsHosts;
import io.chelonia.agent.testing.TrafficPeerProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The {@code links} command as a user runs it, on the real kernel (root). */
class LinksCommandTest {
  private static final Duration PEER_TIMEOUT = Duration.ofSeconds(60);
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void jsonPrintsOneObjectPerLinkPerPollWithExactBytesAndStopsByItself() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine command = Main.commandLine();
    command.setOut(new PrintWriter(out));
    command.setErr(new PrintWriter(err));

    try (NetnsHosts hosts = NetnsHosts.create()) {
      CompletableFuture<Integer> exit =
          CompletableFuture.supplyAsync(
              () ->
                  command.execute(
                      "links",
                      "--json",
                      "--duration",
                      "4",
                      "--poll-interval",
                      "0.5",
                      "--no-local-names",
                      "--no-reverse-dns"));
      // The probes attach well within this; connections born after that are counted whole.
      Thread.sleep(1500);
      int port;
      try (TrafficPeerProcess server =
          TrafficPeerProcess.start(
              Optional.of(hosts.nameB()), "server", "198.18.0.2", "0", "70001", "30007", "3")) {
        port = Integer.parseInt(server.awaitLine("LISTENING", PEER_TIMEOUT).split(" ")[1]);
        try (TrafficPeerProcess client =
            TrafficPeerProcess.start(
                Optional.of(hosts.nameA()),
                "client",
                "198.18.0.2",
                String.valueOf(port),
                "30007",
                "70001",
                "3")) {
          assertThat(client.awaitExit(PEER_TIMEOUT)).isZero();
          assertThat(server.awaitExit(PEER_TIMEOUT)).isZero();
        }
      }

      assertThat(exit.get(30, TimeUnit.SECONDS)).as("exit code; stderr: %s", err).isZero();
      List<JsonNode> lines =
          out.toString()
              .lines()
              .map(this::parse)
              .filter(n -> n.get("server_port").asInt() == port)
              .toList();
      JsonNode last = lines.getLast();
      assertThat(last.get("observer").asText()).isIn("client", "server");
      List<JsonNode> lastPoll =
          lines.stream()
              .filter(n -> n.get("time").asText().equals(last.get("time").asText()))
              .toList();
      assertThat(lastPoll)
          .extracting(n -> n.get("observer").asText())
          .containsExactlyInAnyOrder("client", "server");
      for (JsonNode link : lastPoll) {
        assertThat(link.get("client").get("name").asText()).isEqualTo("198.18.0.1");
        assertThat(link.get("server").get("name").asText()).isEqualTo("198.18.0.2");
        assertThat(link.get("transport").asText()).isEqualTo("tcp");
        assertThat(link.get("network_type").asText()).isEqualTo("ipv4");
        assertThat(link.get("bytes_client_to_server").asLong()).isEqualTo(3 * 30007L);
        assertThat(link.get("bytes_server_to_client").asLong()).isEqualTo(3 * 70001L);
        assertThat(link.get("connections_opened").asLong()).isEqualTo(3);
        assertThat(link.get("connections_active").asLong()).isZero();
        assertThat(link.get("connection_failures").size()).isZero();
      }
    }
  }

  @Test
  void badValueIsOneLineOnStderrAndExitCodeOne() {
    StringWriter err = new StringWriter();
    CommandLine command = Main.commandLine();
    command.setErr(new PrintWriter(err));

    int exit = command.execute("links", "--ring-buffer-bytes", "1000", "--duration", "1");

    assertThat(exit).isEqualTo(1);
    assertThat(err.toString().strip())
        .doesNotContain("\n")
        .startsWith("chelonia-agent: ")
        .contains("power of two");
  }

  @Test
  void unknownOptionIsAUsageErrorWithExitCodeTwo() {
    StringWriter err = new StringWriter();
    CommandLine command = Main.commandLine();
    command.setErr(new PrintWriter(err));

    int exit = command.execute("links", "--no-such-option");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("Unknown option: '--no-such-option'");
  }

  private JsonNode parse(String line) {
    try {
      return json.readTree(line);
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + line, e);
    }
  }
}
