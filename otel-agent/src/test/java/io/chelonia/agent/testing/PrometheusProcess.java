package io.chelonia.agent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Debian's {@code prometheus}, scraping the given targets every second, on a free loopback port;
 * {@link #close()} stops it. Needs {@code /usr/bin/prometheus}; fails, never skips, without it.
 */
public final class PrometheusProcess implements AutoCloseable {
  public static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

  private final Process process;
  private final Path log;
  private final int port;

  private PrometheusProcess(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /**
   * Starts it in {@code directory}, one job per target ({@code host:port}), and waits until ready.
   */
  public static PrometheusProcess start(Path directory, List<String> targets) {
    if (!Files.isExecutable(PROMETHEUS)) {
      throw new IllegalStateException(PROMETHEUS + " is missing: apt-get install prometheus");
    }
    int port = freeLoopbackPort();
    String jobs =
        targets.stream()
            .map(
                target ->
                    """
          - job_name: '%s'
            scrape_interval: 1s
            scrape_timeout: 1s
            static_configs:
              - targets: ['%s']
        """
                        .formatted(target, target))
            .collect(Collectors.joining());
    PrometheusProcess prometheus;
    try {
      Path config = directory.resolve("prometheus.yml");
      Files.writeString(config, "global:\n  scrape_interval: 1s\nscrape_configs:\n" + jobs);
      Path log = directory.resolve("prometheus.log");
      Process process =
          new ProcessBuilder(
                  PROMETHEUS.toString(),
                  "--config.file=" + config,
                  "--storage.tsdb.path=" + Files.createDirectories(directory.resolve("data")),
                  "--web.listen-address=127.0.0.1:" + port)
              .directory(directory.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      prometheus = new PrometheusProcess(process, log, port);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + PROMETHEUS, e);
    }
    try {
      HttpClient http = HttpClient.newHttpClient();
      Await.until(
          READY_TIMEOUT,
          Duration.ofMillis(100),
          () -> prometheus.ready(http),
          () -> "prometheus not ready within " + READY_TIMEOUT + ":\n" + prometheus.logText());
      return prometheus;
    } catch (RuntimeException e) {
      throw Cleanup.closeAfter(e, prometheus);
    }
  }

  /** Its base URL, e.g. {@code http://127.0.0.1:41234}. */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** What it logged, for failure messages. */
  public String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  private boolean ready(HttpClient http) {
    if (!process.isAlive()) {
      throw new IllegalStateException(
          "prometheus exited with " + process.exitValue() + ":\n" + logText());
    }
    try {
      return http.send(
                  HttpRequest.newBuilder(uri().resolve("/-/ready")).build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 200;
    } catch (IOException notYet) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** A loopback port nobody listens on now. */
  public static int freeLoopbackPort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port", e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
