package io.chelonia.agent.export;

import io.chelonia.agent.tracing.SocketPoll;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.Meter;
import java.util.List;

/** The agent's self-metrics, {@code chelonia.agent.*}, on the SDK's own instruments. */
final class AgentMetrics {
  private static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");
  private static final Attributes SOCKET_MAP_FULL = Attributes.of(REASON, "socket_map_full");
  private static final Attributes RING_BUFFER_FULL = Attributes.of(REASON, "ring_buffer_full");
  private static final Attributes LISTENER_MAP_FULL = Attributes.of(REASON, "listener_map_full");

  private final DoubleHistogram pollDuration;

  AgentMetrics(Meter meter, AgentStats stats, LinkMetrics links) {
    meter.counterBuilder("chelonia.agent.polls").setUnit("{poll}")
        .setDescription("Harvests of the kernel's socket table.")
        .buildWithCallback(m -> m.record(stats.polls()));
    pollDuration = meter.histogramBuilder("chelonia.agent.poll.duration").setUnit("s")
        .setDescription("Time to refresh, harvest and fold one poll.")
        .setExplicitBucketBoundariesAdvice(List.of(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0))
        .build();
    meter.upDownCounterBuilder("chelonia.agent.sockets.tracked").setUnit("{socket}")
        .setDescription("Sockets followed now.")
        .buildWithCallback(m -> m.record(stats.trackedSockets()));
    meter.counterBuilder("chelonia.agent.sockets.role_unknown").setUnit("{socket}")
        .setDescription("Sockets older than the agent whose client or server role could not be told.")
        .buildWithCallback(m -> m.record(stats.unknownRoleSockets()));
    meter.counterBuilder("chelonia.agent.sockets.lost").setUnit("{socket}")
        .setDescription("Sockets that vanished without a close record.")
        .buildWithCallback(m -> m.record(stats.lostSockets()));
    meter.counterBuilder("chelonia.agent.kernel.drops").setUnit("{event}")
        .setDescription("Events the kernel programs could not record in place, by reason"
            + " (ring_buffer_full records are recovered from the socket map).")
        .buildWithCallback(m -> {
          m.record(stats.kernel().socketMapFull(), SOCKET_MAP_FULL);
          m.record(stats.kernel().ringBufferFull(), RING_BUFFER_FULL);
          m.record(stats.kernel().listenerMapFull(), LISTENER_MAP_FULL);
        });
    meter.upDownCounterBuilder("chelonia.agent.links").setUnit("{link}")
        .setDescription("Links in the table now.")
        .buildWithCallback(m -> m.record(stats.links()));
    meter.counterBuilder("chelonia.agent.links.expired").setUnit("{link}")
        .setDescription("Links forgotten after being idle.")
        .buildWithCallback(m -> m.record(stats.expiredLinks()));
    meter.upDownCounterBuilder("chelonia.agent.links.overflow").setUnit("{link}")
        .setDescription("Links summed into the overflow series (past the series limit).")
        .buildWithCallback(m -> m.record(links.overflowLinks()));
    meter.counterBuilder("chelonia.agent.kubernetes.errors").setUnit("{error}")
        .setDescription("Failed calls to the Kubernetes API server (names are kept meanwhile).")
        .buildWithCallback(m -> m.record(stats.kubernetesErrors()));
    // The semantic convention's process.memory.usage: the resident set, which no JVM bean reports
    // (heap and native memory together, as the node's memory accounting sees them).
    meter.upDownCounterBuilder("process.memory.usage").setUnit("By")
        .setDescription("The agent's resident memory (RSS).")
        .buildWithCallback(m -> ResidentMemory.bytes().ifPresent(m::record));
    meter.counterBuilder("chelonia.agent.export.failures").setUnit("{export}")
        .setDescription("Push exports that failed.")
        .buildWithCallback(m -> m.record(stats.exportFailures()));
  }

  void recordPoll(SocketPoll poll) {
    pollDuration.record(poll.duration().toNanos() / 1e9);
  }
}
