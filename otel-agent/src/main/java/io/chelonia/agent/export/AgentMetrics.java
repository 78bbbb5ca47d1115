package io.chelonia.agent.export;

import io.chelonia.agent.link.LinkPoll;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.Meter;
import java.util.List;

/** The agent's self-metrics, {@code chelonia.agent.*}, on the SDK's own instruments. */
final class AgentMetrics {
  private static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");
  private static final AttributeKey<String> PROGRAM = AttributeKey.stringKey("program");
  private static final Attributes SOCKET_LIMIT = Attributes.of(REASON, "socket_limit");
  private static final Attributes RING_BUFFER_FULL = Attributes.of(REASON, "ring_buffer_full");
  private static final Attributes LISTENER_MAP_FULL = Attributes.of(REASON, "listener_map_full");
  private static final Attributes CLOSED_DROPPED = Attributes.of(REASON, "closed_dropped");
  private static final Attributes CLOSE_LATE = Attributes.of(REASON, "close_late");
  private static final Attributes STORAGE_FAILED = Attributes.of(REASON, "storage_failed");
  private static final Attributes DNS_RING_FULL = Attributes.of(REASON, "dns_ring_full");
  private static final Attributes UDP_FLOWS_FULL = Attributes.of(REASON, "udp_flows_full");
  private static final Attributes UDP_NO_PEER = Attributes.of(REASON, "udp_no_peer");

  private final DoubleHistogram pollDuration;

  AgentMetrics(Meter meter, AgentStats stats, LinkMetrics links) {
    meter
        .counterBuilder("chelonia.agent.polls")
        .setUnit("{poll}")
        .setDescription("Harvests of the kernel's socket table.")
        .buildWithCallback(m -> m.record(stats.polls()));
    pollDuration =
        meter
            .histogramBuilder("chelonia.agent.poll.duration")
            .setUnit("s")
            .setDescription("Time to refresh, harvest and fold one poll.")
            .setExplicitBucketBoundariesAdvice(
                List.of(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0))
            .build();
    meter
        .upDownCounterBuilder("chelonia.agent.sockets.tracked")
        .setUnit("{socket}")
        .setDescription("Sockets followed now.")
        .buildWithCallback(m -> m.record(stats.table().trackedSockets()));
    meter
        .counterBuilder("chelonia.agent.sockets.role_unknown")
        .setUnit("{socket}")
        .setDescription(
            "Sockets older than the agent whose client or server role could not be told.")
        .buildWithCallback(m -> m.record(stats.table().unknownRoleSockets()));
    meter
        .counterBuilder("chelonia.agent.sockets.lost")
        .setUnit("{socket}")
        .setDescription("Sockets that vanished without a close record.")
        .buildWithCallback(m -> m.record(stats.table().lostSockets()));
    meter
        .counterBuilder("chelonia.agent.kernel.drops")
        .setUnit("{event}")
        .setDescription(
            "Events the kernel programs could not record in place, by reason"
                + " (ring_buffer_full records come through the overflow map and close_late ones at"
                + " destruction or by the harvest: neither is lost).")
        .buildWithCallback(
            m -> {
              m.record(stats.kernel().socketLimit(), SOCKET_LIMIT);
              m.record(stats.kernel().ringBufferFull(), RING_BUFFER_FULL);
              m.record(stats.kernel().listenerMapFull(), LISTENER_MAP_FULL);
              m.record(stats.kernel().closedDropped(), CLOSED_DROPPED);
              m.record(stats.kernel().closeLate(), CLOSE_LATE);
              m.record(stats.kernel().storageFailed(), STORAGE_FAILED);
              m.record(stats.kernel().dnsRingFull(), DNS_RING_FULL);
              m.record(stats.kernel().udpFlowsFull(), UDP_FLOWS_FULL);
              m.record(stats.kernel().udpNoPeer(), UDP_NO_PEER);
            });
    meter
        .upDownCounterBuilder("chelonia.agent.kernel.programs")
        .setUnit("{program}")
        .setDescription("Kernel programs attached now, one series per program (value 1).")
        .buildWithCallback(
            m ->
                stats
                    .kernel()
                    .recursionMisses()
                    .keySet()
                    .forEach(program -> m.record(1, Attributes.of(PROGRAM, program))));
    meter
        .counterBuilder("chelonia.agent.kernel.recursion_misses")
        .setUnit("{run}")
        .setDescription(
            "Runs of a kernel program that the kernel skipped because the program was"
                + " already running on that CPU (a state change or close seen later, or not at all).")
        .buildWithCallback(
            m ->
                stats
                    .kernel()
                    .recursionMisses()
                    .forEach(
                        (program, misses) -> m.record(misses, Attributes.of(PROGRAM, program))));
    meter
        .upDownCounterBuilder("chelonia.agent.links")
        .setUnit("{link}")
        .setDescription("Links in the table now.")
        .buildWithCallback(m -> m.record(stats.table().links()));
    meter
        .counterBuilder("chelonia.agent.links.expired")
        .setUnit("{link}")
        .setDescription("Links forgotten after being idle.")
        .buildWithCallback(m -> m.record(stats.table().expiredLinks()));
    meter
        .upDownCounterBuilder("chelonia.agent.links.overflow")
        .setUnit("{link}")
        .setDescription("Links summed into the overflow series (past the series limit).")
        .buildWithCallback(m -> m.record(links.overflowLinks()));
    meter
        .counterBuilder("chelonia.agent.names.fallbacks")
        .setUnit("{socket}")
        .setDescription("Sockets counted under an address after waiting for a name.")
        .buildWithCallback(m -> m.record(stats.table().namingFallbacks()));
    meter
        .counterBuilder("chelonia.agent.kubernetes.errors")
        .setUnit("{error}")
        .setDescription("Failed calls to the Kubernetes API server (names are kept meanwhile).")
        .buildWithCallback(m -> m.record(stats.kubernetesErrors()));
    // The semantic convention's process.memory.usage: the resident set, which no JVM bean reports
    // (heap and native memory together, as the node's memory accounting sees them).
    meter
        .upDownCounterBuilder("process.memory.usage")
        .setUnit("By")
        .setDescription("The agent's resident memory (RSS).")
        .buildWithCallback(m -> ResidentMemory.bytes().ifPresent(m::record));
    meter
        .counterBuilder("chelonia.agent.export.failures")
        .setUnit("{export}")
        .setDescription("Push exports that failed.")
        .buildWithCallback(m -> m.record(stats.exportFailures()));
  }

  void recordPoll(LinkPoll poll) {
    pollDuration.record(poll.duration().toNanos() / 1e9);
  }
}
