package io.chelonia.agent.tracing;

import io.chelonia.agent.kernel.KernelCounters;
import io.chelonia.agent.kernel.SocketSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One harvest of the kernel's socket table.
 *
 * @param time when the harvest ended
 * @param live sockets open at harvest time, counters as of this poll
 * @param closed sockets that closed since the last poll, with their final counters
 * @param kernel what the kernel programs could not record, since load
 * @param namespaces network namespaces refreshed in this poll
 * @param duration how long the poll took
 */
public record SocketPoll(
    Instant time,
    List<SocketSnapshot> live,
    List<SocketSnapshot> closed,
    KernelCounters kernel,
    int namespaces,
    Duration duration) {

  public SocketPoll {
    live = List.copyOf(live);
    closed = List.copyOf(closed);
  }
}
