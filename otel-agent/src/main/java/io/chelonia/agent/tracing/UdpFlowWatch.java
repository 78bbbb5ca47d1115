package io.chelonia.agent.tracing;

import io.chelonia.agent.kernel.UdpFlow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Decides which UDP flows moved since the last poll and which went idle. UDP has no close: a flow's
 * kernel entry is taken out once its counters stood still for {@code idlePolls} polls in a row, so
 * the flow map holds the flows of the last few polls, not every peer ever seen. The entry is read
 * as it is deleted, so what arrived since the last read is still counted; the next datagram starts
 * a new entry, whose role its first datagram decides again.
 *
 * <p>Poll thread only.
 */
final class UdpFlowWatch {
  /** Two polls: ten seconds at the default interval, a third of conntrack's UDP timeout. */
  static final int DEFAULT_IDLE_POLLS = 2;

  private final int idlePolls;
  private final Map<UdpFlow.Id, Seen> seen = new HashMap<>();

  UdpFlowWatch(int idlePolls) {
    this.idlePolls = idlePolls;
  }

  /** What one poll found: the flows that moved, and the final counters of those taken out. */
  record Harvest(List<UdpFlow> moved, List<UdpFlow> ended) {}

  Harvest harvest(List<UdpFlow> flows, Function<UdpFlow, Optional<UdpFlow>> takeOut) {
    List<UdpFlow> moved = new ArrayList<>();
    List<UdpFlow> ended = new ArrayList<>();
    Map<UdpFlow.Id, Seen> now = new HashMap<>(flows.size() * 2);
    for (UdpFlow flow : flows) {
      Seen before = seen.get(flow.id());
      if (before == null || before.activity != flow.activity()) {
        moved.add(flow);
        now.put(flow.id(), new Seen(flow.activity(), 0));
      } else if (before.stillPolls + 1 >= idlePolls) {
        ended.add(takeOut.apply(flow).orElse(flow));
      } else {
        now.put(flow.id(), new Seen(before.activity, before.stillPolls + 1));
      }
    }
    seen.clear();
    seen.putAll(now);
    return new Harvest(moved, ended);
  }

  private record Seen(long activity, int stillPolls) {}
}
