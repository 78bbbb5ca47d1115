package io.chelonia.agent.testing;

import io.chelonia.agent.export.MetricsOptions;
import io.chelonia.agent.export.Telemetry;
import io.chelonia.agent.identity.AddressResolver;
import io.chelonia.agent.lifecycle.Closing;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkPipeline;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.link.PipelineConfig;
import java.time.Clock;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;
import java.util.Set;

/**
 * The agent wired as RunCommand wires it, for the export tests: the real probes folding into a link
 * table, and the SDK exporting it, with each poll driven by the test through {@link #poll()}.
 */
public final class AgentUnderTest implements AutoCloseable {
  /** The agent's service.version in these tests. */
  public static final String VERSION = "9.9.9";

  /** The resource the tests give the agent. */
  public static final SequencedMap<String, String> RESOURCE = resource();

  private final Clock clock = Clock.systemUTC();
  private LinkPipeline pipeline;
  private Telemetry telemetry;

  private AgentUnderTest() {}

  /**
   * Opens the pipeline, loopback and the agent's own sockets (its process's, and those on {@code
   * selfPorts}) left out, then starts the SDK with {@code properties} ({@code otel.*}) winning over
   * the environment.
   */
  public static AgentUnderTest start(
      MetricsOptions options,
      Map<String, String> resource,
      Map<String, String> properties,
      Set<Integer> selfPorts) {
    AgentUnderTest agent = new AgentUnderTest();
    try {
      agent.pipeline =
          LinkPipeline.open(
              PipelineConfig.defaults(), new AddressResolver(), selfPorts, agent.clock);
      agent.telemetry = Telemetry.start(options, resource, properties, VERSION, agent.clock);
      return agent;
    } catch (RuntimeException e) {
      throw Cleanup.closeAfter(e, agent);
    }
  }

  /** One poll, its idle links expired, published to the SDK; returns when, in epoch nanos. */
  public long poll() {
    telemetry.onPoll(pipeline.poll());
    return nanos(clock.instant());
  }

  /** The one link to {@code serverPort} as {@code observer} saw it. */
  public Link link(int serverPort, Observer observer) {
    return Links.only(pipeline.table(), serverPort, observer);
  }

  public LinkPipeline pipeline() {
    return pipeline;
  }

  public Telemetry telemetry() {
    return telemetry;
  }

  /** Closes the SDK (a last export), then the pipeline. */
  @Override
  public void close() {
    Closing.closeAll(telemetry, pipeline);
  }

  /** Epoch nanos, as OTLP times are given. */
  public static long nanos(Instant instant) {
    return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
  }

  private static SequencedMap<String, String> resource() {
    SequencedMap<String, String> resource = new LinkedHashMap<>();
    resource.put("host.name", "test-host");
    resource.put("k8s.node.name", "node-1");
    resource.put("k8s.cluster.name", "cluster-1");
    return Collections.unmodifiableSequencedMap(resource);
  }
}
