package io.chelonia.agent.tracing;

import io.chelonia.agent.kernel.KernelCounters;
import io.chelonia.agent.kernel.SocketSnapshot;
import io.chelonia.agent.kernel.UdpFlow;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One harvest of the kernel's socket records.
 *
 * @param time when the harvest ended
 * @param live open sockets whose counters or state changed since the last harvest (every open
 *     socket that a process holds, when {@code complete}), counters as of this poll
 * @param closed sockets that closed since the last poll, with their final counters
 * @param kernel what the kernel programs could not record, since load
 * @param namespaces network namespaces the harvest saw sockets in (as of the last complete harvest)
 *     or, on the per-namespace path, walked
 * @param duration how long the poll took
 * @param complete every open socket held by a process is in {@code live}, changed or not: a socket
 *     missing from complete harvests is gone or held by no process (waiting to be accepted, or
 *     closing after its process let go of it)
 * @param udpFlows UDP flows whose counters moved since the last poll (UDP links only), cumulative
 * @param udpFlowsEnded UDP flows idle long enough to be taken out of the kernel, with their final
 *     counters: each is handed over once, and a later datagram starts a new flow
 */
public record SocketPoll(
    Instant time,
    List<SocketSnapshot> live,
    List<SocketSnapshot> closed,
    KernelCounters kernel,
    int namespaces,
    Duration duration,
    boolean complete,
    List<UdpFlow> udpFlows,
    List<UdpFlow> udpFlowsEnded) {

  public SocketPoll {
    live = List.copyOf(live);
    closed = List.copyOf(closed);
    udpFlows = List.copyOf(udpFlows);
    udpFlowsEnded = List.copyOf(udpFlowsEnded);
  }

  /** A poll without UDP flows. */
  public SocketPoll(
      Instant time,
      List<SocketSnapshot> live,
      List<SocketSnapshot> closed,
      KernelCounters kernel,
      int namespaces,
      Duration duration,
      boolean complete) {
    this(time, live, closed, kernel, namespaces, duration, complete, List.of(), List.of());
  }
}
