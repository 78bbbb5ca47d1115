package io.chelonia.agent.cli;

import io.chelonia.agent.export.MetricsOptions;
import io.chelonia.agent.export.Observers;
import io.chelonia.agent.export.RttBuckets;
import io.chelonia.agent.export.Telemetry;
import io.chelonia.agent.identity.EndpointDetail;
import io.chelonia.agent.link.LinkPipeline;
import io.chelonia.agent.link.PipelineConfig;
import io.chelonia.agent.link.PollListener;
import io.chelonia.agent.map.LatestPoll;
import io.chelonia.agent.map.MapOptions;
import io.chelonia.agent.map.MapServer;
import java.io.Console;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The agent: traces links and exports them as OpenTelemetry metrics, on a Prometheus endpoint and,
 * when an OTLP endpoint is configured, pushed over OTLP.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Trace this machine's TCP links and export them as OpenTelemetry metrics (the default command).",
      "Prometheus endpoint on 0.0.0.0:9464/metrics (OTEL_EXPORTER_PROMETHEUS_HOST, _PORT); OTLP",
      "push when OTEL_EXPORTER_OTLP_ENDPOINT is set. Every standard OTEL_* variable is honoured."
    })
final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);
  private static final int DEFAULT_PROMETHEUS_PORT = 9464;

  @Mixin PipelineOptions pipelineOptions;

  @Mixin IdentityOptions identity;

  @Mixin MapServerOptions mapServer;

  @Option(
      names = "--map",
      negatable = true,
      fallbackValue = "true",
      defaultValue = "${env:CHELONIA_MAP:-true}",
      description =
          "Serve the map page on --map-bind-address:--map-port (default: ${DEFAULT-VALUE}).")
  boolean map;

  @Option(
      names = "--series-limit",
      defaultValue = "${env:CHELONIA_SERIES_LIMIT:-" + MetricsOptions.DEFAULT_SERIES_LIMIT + "}",
      description =
          "Attribute sets per metric, overflow series included; links past it are"
              + " summed into the otel.metric.overflow series (default: ${DEFAULT-VALUE}).")
  int seriesLimit;

  @Option(
      names = "--caretta-compatible",
      negatable = true,
      fallbackValue = "true",
      defaultValue = "${env:CHELONIA_CARETTA_COMPATIBLE:-false}",
      description =
          "Also serve Caretta's caretta_links_observed gauge on the Prometheus endpoint"
              + " (default: ${DEFAULT-VALUE}).")
  boolean carettaCompatible;

  @Option(
      names = "--scrape-interval",
      defaultValue =
          "${env:CHELONIA_SCRAPE_INTERVAL:-" + MetricsOptions.DEFAULT_SCRAPE_INTERVAL_SECONDS + "}",
      description =
          "Seconds: the longest scrape interval, when several Prometheus servers scrape the"
              + " endpoint (an HA pair). A new link series stays at 0 on the endpoint that long,"
              + " so that each sees it at 0 and counts all its bytes in increase() and rate()"
              + " (default: ${DEFAULT-VALUE}: at the first scrape only).")
  long scrapeIntervalSeconds;

  @Option(
      names = "--rtt-buckets",
      defaultValue = "${env:CHELONIA_RTT_BUCKETS:-none}",
      description =
          "RTT histogram buckets: none (sum and count, the mean: 3 series per link) or explicit"
              + " (14 boundaries, 100 µs to 2.5 s, for percentiles: 17 series per link)"
              + " (default: ${DEFAULT-VALUE}).")
  String rttBuckets;

  @Option(
      names = "--observers",
      defaultValue = "${env:CHELONIA_OBSERVERS:-once}",
      description =
          "Which observers of a link export it: once (the client's agent; the server's only for"
              + " an external client) or all (both, as chelonia.observer tells apart)"
              + " (default: ${DEFAULT-VALUE}).")
  String observers;

  @Option(
      names = "--pod-names",
      negatable = true,
      fallbackValue = "true",
      defaultValue = "${env:CHELONIA_POD_NAMES:-false}",
      description = "Add client.k8s.pod.name and server.k8s.pod.name (default: ${DEFAULT-VALUE}).")
  boolean podNames;

  @Option(
      names = "--addresses",
      negatable = true,
      fallbackValue = "true",
      defaultValue = "${env:CHELONIA_ADDRESSES:-false}",
      description = "Add client.address and server.address (default: ${DEFAULT-VALUE}).")
  boolean addresses;

  @Option(
      names = "--table",
      negatable = true,
      fallbackValue = "true",
      description = "Also print the link table at every poll (default: when stdout is a terminal).")
  Boolean table;

  @Spec CommandSpec spec;

  @Option(
      names = "--node-name",
      defaultValue = "${env:CHELONIA_NODE_NAME}",
      description = "k8s.node.name of this node (the chart sets it from the downward API).")
  String nodeName;

  @Option(
      names = "--cluster-name",
      defaultValue = "${env:CHELONIA_CLUSTER_NAME}",
      description = "k8s.cluster.name of this cluster.")
  String clusterName;

  @Override
  public Integer call() throws InterruptedException {
    PipelineConfig config = pipelineOptions.toConfig();
    Optional<Duration> duration = pipelineOptions.duration();
    MetricsOptions metrics =
        new MetricsOptions(
            seriesLimit,
            carettaCompatible,
            Duration.ofSeconds(scrapeIntervalSeconds),
            RttBuckets.parse(rttBuckets),
            Observers.parse(observers));
    EndpointDetail detail = new EndpointDetail(podNames, addresses);
    Clock clock = Clock.systemUTC();
    Optional<MapOptions> mapOptions = map ? Optional.of(mapServer.toOptions()) : Optional.empty();
    Set<Integer> ownPorts = new HashSet<>(Set.of(prometheusPort()));
    mapOptions.ifPresent(options -> ownPorts.add(options.port()));
    LatestPoll latest = new LatestPoll(config.pollInterval());
    // The endpoint opens last: a readiness probe on /metrics passes only once the probes are
    // attached.
    try (IdentityOptions.Naming naming = identity.open();
        LinkPipeline pipeline =
            LinkPipeline.open(
                naming.configure(config),
                detail.applyTo(naming.resolver()),
                naming.dnsMessages(),
                ownPorts,
                clock);
        Telemetry telemetry =
            Telemetry.start(metrics, resource(), Map.of(), Main.version(), clock);
        MapServer mapPage =
            mapOptions.map(options -> MapServer.start(options, latest)).orElse(null)) {
      naming
          .kubernetes()
          .ifPresent(kubernetes -> telemetry.countKubernetesErrors(kubernetes::errors));
      naming.dns().ifPresent(dns -> telemetry.countDnsNames(dns::counters));
      LOG.info(
          "tracing TCP links every {} ms; metrics on http://{}:{}/metrics{}{}",
          config.pollInterval().toMillis(),
          Telemetry.prometheusHost(),
          prometheusPort(),
          pushTarget(),
          mapPage == null
              ? ""
              : "; map on http://" + mapOptions.get().bindAddress() + ":" + mapPage.port() + "/");
      List<PollListener> listeners = new ArrayList<>(List.of(telemetry));
      if (mapPage != null) {
        listeners.add(latest);
      }
      if (showTable()) {
        listeners.add(TextLinkView.forOutput(spec.commandLine().getOut()));
      }
      PollLoop.run(pipeline, duration, listeners);
    }
    return 0;
  }

  /** On a terminal, `java -jar chelonia-agent.jar` shows the map as well as serving it. */
  private boolean showTable() {
    if (table != null) {
      return table;
    }
    Console console = System.console();
    return console != null && console.isTerminal();
  }

  private Map<String, String> resource() {
    Map<String, String> resource = new LinkedHashMap<>();
    resource.put("host.name", IdentityOptions.hostName());
    resource.put("k8s.node.name", nodeName);
    resource.put("k8s.cluster.name", clusterName);
    return resource;
  }

  private static int prometheusPort() {
    String port =
        System.getProperty(
            "otel.exporter.prometheus.port",
            System.getenv().getOrDefault("OTEL_EXPORTER_PROMETHEUS_PORT", ""));
    try {
      return port.isBlank() ? DEFAULT_PROMETHEUS_PORT : Integer.parseInt(port.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("OTEL_EXPORTER_PROMETHEUS_PORT is not a port: " + port);
    }
  }

  private static String pushTarget() {
    String endpoint = System.getenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");
    if (endpoint == null) {
      endpoint = System.getenv("OTEL_EXPORTER_OTLP_ENDPOINT");
    }
    return endpoint == null ? "" : "; pushing OTLP to " + endpoint;
  }
}
