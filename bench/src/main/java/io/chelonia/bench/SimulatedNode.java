package io.chelonia.bench;

import io.chelonia.agent.export.MetricsOptions;
import io.chelonia.agent.export.Telemetry;
import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.link.FailureReason;
import io.chelonia.agent.link.KernelDrops;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkKey;
import io.chelonia.agent.link.LinkPoll;
import io.chelonia.agent.link.LinkTotals;
import io.chelonia.agent.link.NetworkType;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.link.RttSummary;
import io.chelonia.agent.link.TableCounters;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * One node's agent, minus the kernel: the agent's own {@link Telemetry} (its OpenTelemetry SDK,
 * resource, OTLP exporter, link metrics and self-metrics) fed with synthetic links at every poll,
 * as the link table would feed it. Only the poll thread calls {@link #poll}.
 */
final class SimulatedNode {
  /** Namespaces and workloads the synthetic links are drawn from. */
  private static final int NAMESPACES = 40;

  private static final int WORKLOADS_PER_NAMESPACE = 25;
  private static final int EXTERNAL_CLIENTS = 200;
  private static final List<Integer> PORTS = List.of(80, 443, 5432, 6379, 8080, 9092);
  private static final String[] ZONES = {"zone-a", "zone-b", "zone-c"};

  private final int index;
  private final String zone;
  private final Telemetry telemetry;
  private final Random random;
  private final Duration idleExpiry;
  private final List<Link> live = new ArrayList<>();
  private final List<Link> retired = new ArrayList<>();
  private long replaced;
  private long expired;
  private int generation;

  SimulatedNode(
      int index,
      int links,
      String cluster,
      Map<String, String> otelProperties,
      MetricsOptions options,
      Duration idleExpiry,
      boolean runtimeMetrics,
      Instant now) {
    this.index = index;
    this.zone = ZONES[index % ZONES.length];
    this.random = new Random(index);
    this.idleExpiry = idleExpiry;
    String name = String.format("sim-node-%05d", index);
    this.telemetry =
        Telemetry.start(
            options,
            Map.of("host.name", name, "k8s.node.name", name, "k8s.cluster.name", cluster),
            otelProperties,
            "scale-simulation",
            Clock.systemUTC(),
            runtimeMetrics);
    for (int i = 0; i < links; i++) {
      live.add(new Link(newKey(), LinkTotals.ZERO, now, now));
    }
  }

  /**
   * One poll: every live link carries some traffic; {@code churn} of them (a probability) are
   * replaced by a link with a new client name, the old one going idle until it expires.
   */
  void poll(Instant now, double churn) {
    List<Link> gone = new ArrayList<>();
    for (Iterator<Link> it = retired.iterator(); it.hasNext(); ) {
      Link idle = it.next();
      if (Duration.between(idle.lastSeen(), now).compareTo(idleExpiry) >= 0) {
        gone.add(idle);
        it.remove();
        expired++;
      }
    }
    for (int i = 0; i < live.size(); i++) {
      Link link = live.get(i);
      if (random.nextDouble() < churn) {
        retired.add(new Link(link.key(), link.totals().closed(), link.firstSeen(), now));
        live.set(i, new Link(newKey(), LinkTotals.ZERO, now, now));
        replaced++;
      } else {
        live.set(i, new Link(link.key(), traffic(link), link.firstSeen(), now));
      }
    }
    List<Link> all = new ArrayList<>(live.size() + retired.size());
    all.addAll(live);
    all.addAll(retired);
    telemetry.onPoll(
        new LinkPoll(
            now,
            Duration.ofMillis(1),
            1,
            KernelDrops.NONE,
            all,
            gone,
            new TableCounters(live.size(), all.size(), 0, 0, expired, 0)));
  }

  long replaced() {
    return replaced;
  }

  long expired() {
    return expired;
  }

  /** Links exported now: the live ones and those idle but not expired yet. */
  int exportedLinks() {
    return live.size() + retired.size();
  }

  /**
   * A link from a pod on this node to a Service's backend, or (one in ten) from an external client
   * to a pod here, which the server's agent exports; one in twenty has had refused connections.
   */
  private LinkKey newKey() {
    generation++;
    String serverNamespace = "ns-" + random.nextInt(NAMESPACES);
    String serverName = "svc-" + random.nextInt(WORKLOADS_PER_NAMESPACE);
    Endpoint server =
        new Endpoint(serverNamespace, "Deployment", serverName, "", "")
            .withTopology(ZONES[random.nextInt(ZONES.length)], "region-1");
    int port = PORTS.get(random.nextInt(PORTS.size()));
    if (random.nextInt(10) == 0) {
      Endpoint client =
          Endpoint.external("198.18." + (index % 250) + "." + random.nextInt(EXTERNAL_CLIENTS));
      return new LinkKey(
          client, server.withTopology(zone, "region-1"), port, NetworkType.IPV4, Observer.SERVER);
    }
    // A new client name per replacement: a Job's new run, a renamed workload, a pod moved here.
    Endpoint client =
        new Endpoint(
                "ns-" + random.nextInt(NAMESPACES),
                "Deployment",
                "app-" + index + "-" + generation,
                "",
                "")
            .withTopology(zone, "region-1");
    Endpoint service = new Endpoint(serverNamespace, Endpoint.KIND_SERVICE, serverName);
    return new LinkKey(
        client, server, port, NetworkType.IPV4, Observer.CLIENT, Optional.of(service));
  }

  /** One poll's traffic on a live link; one link in twenty has refused connections now and then. */
  private LinkTotals traffic(Link link) {
    LinkTotals before = link.totals();
    int connections = random.nextInt(4);
    long rttMicros = 200 + random.nextInt(2_000);
    RttSummary sample =
        connections == 0
            ? RttSummary.EMPTY
            : new RttSummary(1, rttMicros, rttMicros, rttMicros, bucketOf(rttMicros));
    boolean failing = Math.floorMod(link.key().hashCode(), 20) == 0 && random.nextInt(4) == 0;
    LinkTotals sum =
        before.plus(
            LinkTotals.tcp(
                connections * (200L + random.nextInt(50_000)),
                connections * (500L + random.nextInt(200_000)),
                connections,
                0,
                failing ? Map.of(FailureReason.REFUSED, 1L) : Map.of(),
                random.nextInt(50) == 0 ? 1 : 0,
                sample));
    // Connections open now: a gauge, not a sum.
    return LinkTotals.tcp(
        sum.bytesClientToServer(),
        sum.bytesServerToClient(),
        sum.connectionsOpened(),
        random.nextInt(3),
        sum.failures(),
        sum.retransmits(),
        sum.rtt());
  }

  private static List<Long> bucketOf(long micros) {
    List<Long> counts =
        new ArrayList<>(Collections.nCopies(RttSummary.BOUNDARIES_MICROS.size() + 1, 0L));
    int bucket = 0;
    while (bucket < RttSummary.BOUNDARIES_MICROS.size()
        && micros > RttSummary.BOUNDARIES_MICROS.get(bucket)) {
      bucket++;
    }
    counts.set(bucket, 1L);
    return counts;
  }
}
