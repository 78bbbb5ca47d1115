package io.chelonia.agent.export;

import io.chelonia.agent.link.KernelDrops;
import io.chelonia.agent.link.LinkPoll;
import io.chelonia.agent.link.TableCounters;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The agent's own figures, written by the poll thread after each poll and read by the self-metric
 * callbacks on exporter threads.
 */
public final class AgentStats {
  private volatile long polls;
  private volatile TableCounters table = TableCounters.NONE;
  private volatile KernelDrops kernel = KernelDrops.NONE;
  final AtomicLong exportFailures = new AtomicLong();
  volatile LongSupplier kubernetesErrors = () -> 0;

  /** Called by the poll thread after each poll. */
  void update(LinkPoll poll) {
    polls++;
    table = poll.table();
    kernel = poll.kernelDrops();
  }

  long polls() {
    return polls;
  }

  TableCounters table() {
    return table;
  }

  KernelDrops kernel() {
    return kernel;
  }

  long kubernetesErrors() {
    return kubernetesErrors.getAsLong();
  }

  public long exportFailures() {
    return exportFailures.get();
  }
}
