package io.chelonia.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The agent as `java -jar chelonia-agent.jar run` runs it, on the real kernel (root). */
class RunCommandTest {
  @AfterEach
  void clearOtelProperties() {
    System.clearProperty("otel.metrics.exporter");
    System.clearProperty("otel.exporter.prometheus.port");
    System.clearProperty("otel.exporter.prometheus.host");
  }

  @Test
  void servesItsMetricsOnThePrometheusEndpointPrintsTheTableAndStopsByItself() throws Exception {
    int port;
    int mapPort;
    try (ServerSocket free = new ServerSocket(0);
        ServerSocket freeToo = new ServerSocket(0)) {
      port = free.getLocalPort();
      mapPort = freeToo.getLocalPort();
    }
    // Standard OpenTelemetry configuration, as system properties instead of OTEL_* variables.
    System.setProperty("otel.metrics.exporter", "prometheus");
    System.setProperty("otel.exporter.prometheus.port", String.valueOf(port));
    System.setProperty("otel.exporter.prometheus.host", "127.0.0.1");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine command = Main.commandLine();
    command.setOut(new PrintWriter(out));
    command.setErr(new PrintWriter(err));

    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(
            () ->
                command.execute(
                    "run",
                    "--duration",
                    "4",
                    "--poll-interval",
                    "0.5",
                    "--table",
                    "--no-reverse-dns",
                    "--map-port",
                    String.valueOf(mapPort)));
    String metrics = "";
    String map = "";
    HttpClient http = HttpClient.newHttpClient();
    for (int i = 0;
        i < 30
            && !(metrics.contains("chelonia_agent_kernel_programs{")
                && map.contains("\"time\":\""));
        i++) {
      Thread.sleep(200);
      try {
        metrics =
            http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        map =
            http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mapPort + "/api/links"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
      } catch (java.io.IOException notYet) {
        // The endpoints start with the agent.
      }
    }

    assertThat(exit.get(30, TimeUnit.SECONDS)).as("exit code; stderr: %s", err).isZero();
    assertThat(metrics)
        .contains("chelonia_agent_polls_total")
        .contains("target_info{")
        .contains("service_name=\"chelonia-agent\"");
    // The programs attached, one series each; the harvest path this machine allows.
    assertThat(metrics.lines().filter(line -> line.startsWith("chelonia_agent_kernel_programs{")))
        .anySatisfy(
            line -> assertThat(line).contains("program=\"on_state_change\"").endsWith(" 1.0"))
        .anySatisfy(line -> assertThat(line).contains("program=\"on_destroy\"").endsWith(" 1.0"))
        .anySatisfy(
            line -> assertThat(line).contains("program=\"harvest_processes\"").endsWith(" 1.0"));
    assertThat(metrics).contains("chelonia_agent_kernel_recursion_misses_total{");
    assertThat(out.toString()).contains("CLIENT").contains("SERVER:PORT");
    // The map page, on its own port, with the last poll.
    assertThat(map)
        .startsWith("{\"source\":\"agent\",\"time\":\"")
        .contains("\"refresh_seconds\":0.5,");
  }

  @Test
  void aScrapeIntervalOutOfRangeIsOneLineAndExitsBeforeStarting() {
    assertThat(refused("--scrape-interval", "-5"))
        .isEqualTo("chelonia-agent: scrape interval must be between 0 and 3600 seconds, was -5 s");
  }

  @Test
  void anUnknownRttBucketsValueIsOneLineAndExitsBeforeStarting() {
    assertThat(refused("--rtt-buckets", "exponential"))
        .isEqualTo("chelonia-agent: --rtt-buckets must be none or explicit, was exponential");
  }

  @Test
  void anUnknownObserversValueIsOneLineAndExitsBeforeStarting() {
    assertThat(refused("--observers", "server"))
        .isEqualTo("chelonia-agent: --observers must be once or all, was server");
  }

  /** stderr of {@code run} with {@code options}, which must exit 1 before starting. */
  private static String refused(String... options) {
    StringWriter err = new StringWriter();
    CommandLine command = Main.commandLine();
    command.setErr(new PrintWriter(err));
    String[] args = new String[options.length + 1];
    args[0] = "run";
    System.arraycopy(options, 0, args, 1, options.length);
    assertThat(command.execute(args)).isEqualTo(Main.EXIT_FAILURE);
    return err.toString().stripTrailing();
  }
}
