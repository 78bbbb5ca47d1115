package io.chelonia.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.testing.PrometheusProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code chelonia-agent map}: bad input is one line and an exit, Prometheus down a 502, never a
 * trace.
 */
class MapCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private CommandLine command() {
    CommandLine command = Main.commandLine();
    command.setOut(new PrintWriter(out));
    command.setErr(new PrintWriter(err));
    return command;
  }

  @Test
  void withoutPrometheusItSaysWhatIsMissing() {
    assertThat(command().execute("map", "--map-port", "0")).isEqualTo(Main.EXIT_FAILURE);
    assertThat(err.toString())
        .isEqualTo(
            "chelonia-agent: map needs --prometheus URL (or CHELONIA_MAP_PROMETHEUS)"
                + System.lineSeparator());
  }

  @Test
  void aUrlThatIsNoHttpUrlIsOneLine() {
    assertThat(command().execute("map", "--prometheus", "prometheus:9090", "--map-port", "0"))
        .isEqualTo(Main.EXIT_FAILURE);
    assertThat(err.toString())
        .isEqualTo(
            "chelonia-agent: --prometheus must be an http(s) URL, was prometheus:9090"
                + System.lineSeparator());
  }

  @Test
  void aPrometheusThatIsDownLeavesTheCommandServingTheErrorLine() throws Exception {
    int prometheusPort = PrometheusProcess.freeLoopbackPort();
    int mapPort = PrometheusProcess.freeLoopbackPort();
    CommandLine command = command();
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(
            () ->
                command.execute(
                    "map",
                    "--prometheus",
                    "http://127.0.0.1:" + prometheusPort,
                    "--map-port",
                    String.valueOf(mapPort),
                    "--refresh",
                    "1",
                    "--duration",
                    "3"));
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> answer = null;
    for (int i = 0; i < 50 && answer == null; i++) {
      Thread.sleep(100);
      try {
        answer =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mapPort + "/api/links"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
      } catch (java.io.IOException notYet) {
        // The page starts with the command.
      }
    }
    assertThat(answer).isNotNull();
    assertThat(answer.statusCode()).isEqualTo(502);
    assertThat(answer.body())
        .startsWith(
            "{\"error\":\"Prometheus at http://127.0.0.1:" + prometheusPort + " is unreachable")
        .endsWith("\"refresh_seconds\":1.0}");
    assertThat(exit.get(30, TimeUnit.SECONDS)).as("stderr: %s", err).isZero();
    assertThat(err.toString()).doesNotContain("Exception").doesNotContain("\tat ");
  }
}
