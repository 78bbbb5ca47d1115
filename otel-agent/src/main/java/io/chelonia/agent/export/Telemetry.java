package io.chelonia.agent.export;

import io.chelonia.agent.identity.dns.DnsNameCounters;
import io.chelonia.agent.link.LinkPoll;
import io.chelonia.agent.link.PollListener;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.exporter.prometheus.PrometheusHttpServer;
import io.opentelemetry.instrumentation.runtimetelemetry.RuntimeTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.resources.Resource;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The OpenTelemetry SDK as the agent runs it, configured the standard way: every {@code OTEL_*}
 * environment variable and {@code otel.*} system property is honoured (endpoint, headers, protocol,
 * compression, certificates, export interval, exporters, resource attributes). The agent only
 * changes defaults: a Prometheus endpoint on :9464 always, OTLP push (gRPC) as well when an OTLP
 * endpoint is configured, cumulative temporality, reusable-data memory mode.
 */
public final class Telemetry implements PollListener, AutoCloseable {
  public static final String SERVICE_NAME = "chelonia-agent";
  public static final String DEFAULT_PROMETHEUS_HOST = "0.0.0.0";

  private final OpenTelemetrySdk sdk;
  private final LinkMetrics links;
  private final AgentStats stats;
  private final AgentMetrics agentMetrics;
  private final RuntimeTelemetry runtime;

  private Telemetry(
      OpenTelemetrySdk sdk, LinkMetrics links, AgentStats stats, boolean runtimeMetrics) {
    this.sdk = sdk;
    this.links = links;
    this.stats = stats;
    this.agentMetrics =
        new AgentMetrics(
            sdk.getMeterProvider().meterBuilder("io.chelonia.agent").build(), stats, links);
    // What the agent costs its node: heap and other pools, GC time, CPU, threads (jvm.*).
    this.runtime = runtimeMetrics ? RuntimeTelemetry.create(sdk) : null;
  }

  /**
   * @param resource what this agent is: host.name, k8s.node.name, k8s.cluster.name... (the user's
   *     OTEL_RESOURCE_ATTRIBUTES win over these)
   * @param properties {@code otel.*} properties that win over the environment, for the command line
   *     and tests; empty in production
   */
  public static Telemetry start(
      MetricsOptions options,
      Map<String, String> resource,
      Map<String, String> properties,
      String version,
      Clock clock) {
    return start(options, resource, properties, version, clock, true);
  }

  /**
   * The same, with or without the JVM's own metrics ({@code jvm.*}). Without: for many simulated
   * agents in one JVM (bench/scale), where each would read every thread of that JVM at each export.
   */
  public static Telemetry start(
      MetricsOptions options,
      Map<String, String> resource,
      Map<String, String> properties,
      String version,
      Clock clock,
      boolean runtimeMetrics) {
    LinkMetrics links = new LinkMetrics(options, clock, version);
    AgentStats stats = new AgentStats();
    Resource agent = agentResource(resource, version);
    OpenTelemetrySdk sdk =
        AutoConfiguredOpenTelemetrySdk.builder()
            .addPropertiesSupplier(Telemetry::defaults)
            .addPropertiesCustomizer(
                config -> {
                  Map<String, String> decided = new HashMap<>(properties);
                  if (config.getString("otel.metrics.exporter") == null
                      && !properties.containsKey("otel.metrics.exporter")) {
                    decided.put(
                        "otel.metrics.exporter",
                        pushConfigured(config, properties) ? "otlp,prometheus" : "prometheus");
                  }
                  return decided;
                })
            .addMeterProviderCustomizer((builder, config) -> builder.registerMetricProducer(links))
            // Every reader (the Prometheus endpoint, the OTLP push) shows a new link series at zero
            // first; the endpoint, which several Prometheus servers may scrape, for a scrape
            // interval.
            .addMetricReaderCustomizer(
                (reader, config) ->
                    new NewSeriesAtZero(
                        reader,
                        LinkMetrics.COUNTED,
                        reader instanceof PrometheusHttpServer
                            ? options.scrapeInterval()
                            : Duration.ZERO,
                        System::nanoTime))
            .addMetricExporterCustomizer(
                (exporter, config) -> new MonitoredMetricExporter(exporter, stats.exportFailures))
            .addResourceCustomizer((detected, config) -> agent.merge(detected))
            .disableShutdownHook()
            .build()
            .getOpenTelemetrySdk();
    return new Telemetry(sdk, links, stats, runtimeMetrics);
  }

  /**
   * Counts, in {@code chelonia.agent.kubernetes.errors}, the failed calls to the Kubernetes API.
   */
  public void countKubernetesErrors(LongSupplier errors) {
    stats.kubernetesErrors = errors;
  }

  /**
   * Publishes, in {@code chelonia.agent.dns.*}, what names from DNS answers learned and dropped.
   */
  public void countDnsNames(Supplier<DnsNameCounters> counters) {
    DnsNameMetrics.register(
        sdk.getMeterProvider().meterBuilder("io.chelonia.agent").build(), counters);
  }

  private static Map<String, String> defaults() {
    return Map.of(
        "otel.service.name", SERVICE_NAME,
        "otel.traces.exporter", "none",
        "otel.logs.exporter", "none",
        "otel.exporter.otlp.protocol", "grpc",
        // Scraped from other machines (a Prometheus, a Collector): listen on every interface.
        // The chart sets OTEL_EXPORTER_PROMETHEUS_HOST=127.0.0.1 (README, Security).
        "otel.exporter.prometheus.host", DEFAULT_PROMETHEUS_HOST,
        "otel.exporter.otlp.metrics.temporality.preference", "cumulative",
        "otel.java.exporter.memory_mode", "reusable_data");
  }

  /**
   * The Prometheus endpoint's address, as the SDK reads it: the system property, else the
   * environment.
   */
  public static String prometheusHost() {
    String host =
        System.getProperty(
            "otel.exporter.prometheus.host",
            System.getenv().getOrDefault("OTEL_EXPORTER_PROMETHEUS_HOST", ""));
    return host.isBlank() ? DEFAULT_PROMETHEUS_HOST : host.strip();
  }

  private static boolean pushConfigured(ConfigProperties config, Map<String, String> properties) {
    for (String key :
        List.of("otel.exporter.otlp.endpoint", "otel.exporter.otlp.metrics.endpoint")) {
      if (properties.containsKey(key) || config.getString(key) != null) {
        return true;
      }
    }
    return false;
  }

  private static Resource agentResource(Map<String, String> attributes, String version) {
    AttributesBuilder builder = Attributes.builder().put("service.version", version);
    attributes.forEach(
        (key, value) -> {
          if (value != null && !value.isBlank()) {
            builder.put(key, value);
          }
        });
    return Resource.create(builder.build());
  }

  /** Poll thread: hands the SDK the links of a poll just folded, and the links it expired. */
  @Override
  public void onPoll(LinkPoll poll) {
    links.publish(poll.links(), poll.expired());
    stats.update(poll);
    agentMetrics.recordPoll(poll);
  }

  public long exportFailures() {
    return stats.exportFailures();
  }

  /** Exports what is pending, then stops the exporters and the Prometheus endpoint. */
  @Override
  public void close() {
    if (runtime != null) {
      runtime.close();
    }
    sdk.getSdkMeterProvider().forceFlush().join(10, TimeUnit.SECONDS);
    sdk.shutdown().join(10, TimeUnit.SECONDS);
  }
}
