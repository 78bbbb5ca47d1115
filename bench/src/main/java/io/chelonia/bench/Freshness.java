package io.chelonia.bench;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * How long a new connection takes to show in the agent's metrics: from its first byte to the first
 * scrape of the agent's Prometheus endpoint that shows that byte.
 *
 * <pre>
 * Freshness METRICS_URL TRIALS FIRST_PORT POLL_INTERVAL_MILLIS
 * </pre>
 *
 * Each trial opens a loopback connection to a fresh port (so it is a new link), sends one byte, and
 * scrapes every {@value #SCRAPE_EVERY_MILLIS} ms until the link's client-to-server bytes appear.
 * Each trial first waits a random part of the agent's poll interval: a trial ends just after a
 * poll, and without that wait every first byte would fall at the same point of the cycle. The agent
 * must keep loopback traffic ({@code --include-loopback}). Prints one JSON line with the
 * distribution.
 */
public final class Freshness {
  private static final long SCRAPE_EVERY_MILLIS = 10;

  /** Past this many poll intervals (and a margin for a slow poll) the agent is broken, not slow. */
  private static final long GIVE_UP_POLLS = 3;

  private static final long GIVE_UP_MARGIN_MILLIS = 10_000;

  private Freshness() {}

  public static void main(String[] args) throws Exception {
    URI metrics = URI.create(args[0]);
    int trials = Integer.parseInt(args[1]);
    int firstPort = Integer.parseInt(args[2]);
    long pollIntervalMillis = Long.parseLong(args[3]);
    long maxWaitMillis = GIVE_UP_POLLS * pollIntervalMillis + GIVE_UP_MARGIN_MILLIS;
    Deadline.exitAfter(trials * (pollIntervalMillis + maxWaitMillis) / 1_000 + 1, 1);
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest scrape = HttpRequest.newBuilder(metrics).build();
    RandomGenerator random = RandomGenerator.getDefault();
    InetAddress loopback = InetAddress.getLoopbackAddress();
    long[] delays = new long[trials];
    for (int i = 0; i < trials; i++) {
      Thread.sleep(random.nextLong(pollIntervalMillis));
      int port = firstPort + i;
      String series = "server_port=\"" + port + "\"";
      try (ServerSocket server = new ServerSocket(port, 1, loopback);
          Socket client = new Socket(loopback, port);
          Socket accepted = server.accept();
          OutputStream out = client.getOutputStream();
          InputStream in = accepted.getInputStream()) {
        long firstByte = System.nanoTime();
        out.write(1);
        in.read();
        while (!shows(http.send(scrape, HttpResponse.BodyHandlers.ofString()).body(), series)) {
          if (System.nanoTime() - firstByte > maxWaitMillis * 1_000_000) {
            throw new IllegalStateException(
                "port " + port + " not in the metrics after " + maxWaitMillis + " ms");
          }
          Thread.sleep(SCRAPE_EVERY_MILLIS);
        }
        delays[i] = System.nanoTime() - firstByte;
      }
    }
    Arrays.sort(delays);
    System.out.printf(
        Locale.ROOT,
        "{\"trials\":%d,\"p50_ms\":%.0f,\"p90_ms\":%.0f,\"max_ms\":%.0f}%n",
        trials,
        Churn.percentile(delays, 0.5) / 1e6,
        Churn.percentile(delays, 0.9) / 1e6,
        delays[trials - 1] / 1e6);
  }

  /** The link's client-to-server bytes, as the client saw them, are in the scrape and not 0. */
  private static boolean shows(String scrape, String series) {
    return scrape
        .lines()
        .anyMatch(
            line ->
                line.startsWith("chelonia_link_bytes_total{")
                    && line.contains(series)
                    && line.contains("network_io_direction=\"transmit\"")
                    && line.contains("chelonia_observer=\"client\"")
                    && !line.endsWith(" 0.0"));
  }
}
