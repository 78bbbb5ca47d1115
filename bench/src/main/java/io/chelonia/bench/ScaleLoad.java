package io.chelonia.bench;

import io.chelonia.agent.export.MetricsOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Many nodes' agents in one JVM, for the scale simulation (bench/scale): each simulated node is the
 * agent's own export path ({@link SimulatedNode}: one OpenTelemetry SDK and resource per node, its
 * own OTLP/gRPC connection) pushing synthetic links to a real Collector.
 *
 * <pre>
 * ScaleLoad OTLP_ENDPOINT NODES LINKS_PER_NODE SECONDS EXPORT_MILLIS CHURN_PER_HOUR IDLE_EXPIRY_SECONDS
 * </pre>
 *
 * The nodes start spread over one export interval, as a DaemonSet's pods export out of step. Every
 * POLL_SECONDS each node's links move on and CHURN_PER_HOUR of them (a fraction, per hour) are
 * replaced by new ones; a replaced link is exported, idle, until IDLE_EXPIRY_SECONDS have passed,
 * as the agent's --link-idle-expiry does. Prints one line when every node has started, and one JSON
 * line at the end; exits after SECONDS.
 *
 * <p>Only the first node exports the JVM's own metrics ({@code jvm.*}, as every agent does): in one
 * JVM hosting a thousand nodes, each node's thread metrics would read all of that JVM's threads
 * (three per node) at every export, a cost of the simulation and not of an agent. bench/scale
 * counts the first node's {@code jvm_*} series and adds as many for every other node.
 */
public final class ScaleLoad {
  private static final Duration POLL = Duration.ofSeconds(5);

  private ScaleLoad() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 7) {
      System.err.println(
          "usage: ScaleLoad OTLP_ENDPOINT NODES LINKS_PER_NODE SECONDS EXPORT_MILLIS CHURN_PER_HOUR"
              + " IDLE_EXPIRY_SECONDS");
      System.exit(2);
    }
    String endpoint = args[0];
    int nodes = Integer.parseInt(args[1]);
    int links = Integer.parseInt(args[2]);
    long seconds = Long.parseLong(args[3]);
    long exportMillis = Long.parseLong(args[4]);
    double churnPerHour = Double.parseDouble(args[5]);
    Duration idleExpiry = Duration.ofSeconds(Long.parseLong(args[6]));
    Deadline.exitAfter(seconds + 120, 1);
    double churnPerPoll = churnPerHour * POLL.toMillis() / Duration.ofHours(1).toMillis();
    Map<String, String> otel =
        Map.of(
            "otel.exporter.otlp.endpoint",
            endpoint,
            "otel.metrics.exporter",
            "otlp",
            "otel.metric.export.interval",
            Long.toString(exportMillis));
    // The agent's defaults: 8 series per link, each link exported once.
    MetricsOptions options = MetricsOptions.defaults();
    long start = System.nanoTime();
    List<SimulatedNode> cluster = new ArrayList<>(nodes);
    long stagger = exportMillis * 1_000_000L / nodes;
    for (int i = 0; i < nodes; i++) {
      SimulatedNode node =
          new SimulatedNode(i, links, "sim", otel, options, idleExpiry, i == 0, Instant.now());
      node.poll(Instant.now(), 0);
      cluster.add(node);
      long due = start + (i + 1) * stagger;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        Thread.sleep(Duration.ofNanos(wait));
      }
    }
    Deadline.announce(
        String.format(
            Locale.ROOT,
            "started %d nodes, %d links each, in %.1f s",
            nodes,
            links,
            (System.nanoTime() - start) / 1e9));
    long end = start + seconds * 1_000_000_000L;
    long nextPoll = System.nanoTime();
    long slowestPollNanos = 0;
    while (System.nanoTime() < end) {
      long began = System.nanoTime();
      Instant now = Instant.now();
      for (SimulatedNode node : cluster) {
        node.poll(now, churnPerPoll);
      }
      slowestPollNanos = Math.max(slowestPollNanos, System.nanoTime() - began);
      nextPoll += POLL.toNanos();
      long wait = nextPoll - System.nanoTime();
      if (wait > 0) {
        Thread.sleep(Duration.ofNanos(Math.min(wait, Math.max(0, end - System.nanoTime()))));
      }
    }
    long replaced = 0;
    long expired = 0;
    long exported = 0;
    for (SimulatedNode node : cluster) {
      replaced += node.replaced();
      expired += node.expired();
      exported += node.exportedLinks();
    }
    // No close: each would wait for a last export, one node after the other; the totals are
    // cumulative, so nothing is lost by stopping here.
    System.out.printf(
        Locale.ROOT,
        "{\"nodes\":%d,\"links_per_node\":%d,\"exported_links\":%d,\"replaced\":%d,"
            + "\"expired\":%d,\"slowest_poll_ms\":%.1f}%n",
        nodes,
        links,
        exported,
        replaced,
        expired,
        slowestPollNanos / 1e6);
    System.exit(0);
  }
}
