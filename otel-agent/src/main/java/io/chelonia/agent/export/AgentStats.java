package io.chelonia.agent.export;

import io.chelonia.agent.kernel.KernelCounters;
import io.chelonia.agent.link.LinkTable;
import io.chelonia.agent.tracing.SocketPoll;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The agent's own figures, written by the poll thread after each poll and read by the self-metric
 * callbacks on exporter threads.
 */
public final class AgentStats {
  private volatile long polls;
  private volatile long trackedSockets;
  private volatile long links;
  private volatile long unknownRoleSockets;
  private volatile long lostSockets;
  private volatile long expiredLinks;
  private volatile KernelCounters kernel = KernelCounters.NONE;
  final AtomicLong exportFailures = new AtomicLong();
  volatile LongSupplier kubernetesErrors = () -> 0;

  /** Called by the poll thread after each poll has been folded into the table. */
  public void update(SocketPoll poll, LinkTable table) {
    polls++;
    trackedSockets = table.trackedSockets();
    links = table.linkCount();
    unknownRoleSockets = table.unknownRoleSockets();
    lostSockets = table.lostSockets();
    expiredLinks = table.expiredLinks();
    kernel = poll.kernel();
  }

  long polls() {
    return polls;
  }

  long trackedSockets() {
    return trackedSockets;
  }

  long links() {
    return links;
  }

  long unknownRoleSockets() {
    return unknownRoleSockets;
  }

  long lostSockets() {
    return lostSockets;
  }

  long expiredLinks() {
    return expiredLinks;
  }

  KernelCounters kernel() {
    return kernel;
  }

  long kubernetesErrors() {
    return kubernetesErrors.getAsLong();
  }

  public long exportFailures() {
    return exportFailures.get();
  }
}
