package io.chelonia.bench;

import io.chelonia.agent.identity.AddressResolver;
import io.chelonia.agent.kernel.HarvestMode;
import io.chelonia.agent.kernel.KernelOptions;
import io.chelonia.agent.kernel.KernelSockets;
import io.chelonia.agent.kernel.SocketSnapshot;
import io.chelonia.agent.link.LinkPipeline;
import io.chelonia.agent.link.LinkPoll;
import io.chelonia.agent.link.PipelineConfig;
import io.chelonia.agent.tracing.NamespaceDirectory;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A poll end to end, on the real kernel: the agent's pipeline (probes loaded, the sockets
 * harvested, the harvest folded into links), timed around {@link LinkPipeline#poll()} with the
 * sockets that exist on the machine.
 *
 * <pre>
 * PollCost POLLS MAX_SOCKETS
 * </pre>
 *
 * The first poll finds every socket (they are older than the probes); the next POLLS are the steady
 * state. Before that, with no pipeline loaded, the kernel steps are timed apart on the kernel
 * binding: a complete harvest, a harvest of changes only, the closed sockets drained. Prints one
 * JSON line: sockets and links seen, the first poll, the median and maximum of the others in time
 * and in bytes allocated on the poll thread, the medians of the steps, and the kernel's
 * socket-limit counter (a limit reached would make the count of sockets wrong).
 */
public final class PollCost {
  private static final Duration PAUSE_BETWEEN_POLLS = Duration.ofMillis(200);

  private PollCost() {}

  public static void main(String[] args) throws Exception {
    int polls = Integer.parseInt(args[0]);
    int maxSockets = Integer.parseInt(args[1]);
    PipelineConfig config =
        PipelineConfig.defaults()
            .withLoopback(true)
            .withKernel(
                new KernelOptions(
                    maxSockets,
                    KernelOptions.DEFAULT_MAX_LISTENERS,
                    KernelOptions.DEFAULT_RING_BUFFER_BYTES));
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().threadId();
    String steps = timeSteps(config.kernel(), polls);
    try (LinkPipeline pipeline =
        LinkPipeline.open(config, new AddressResolver(), Set.of(), Clock.systemUTC())) {
      long[] nanos = new long[polls + 1];
      long[] allocated = new long[polls + 1];
      LinkPoll last = null;
      for (int i = 0; i <= polls; i++) {
        Thread.sleep(PAUSE_BETWEEN_POLLS);
        long bytesBefore = threads.getThreadAllocatedBytes(thread);
        long begin = System.nanoTime();
        last = pipeline.poll();
        nanos[i] = System.nanoTime() - begin;
        allocated[i] = threads.getThreadAllocatedBytes(thread) - bytesBefore;
      }
      System.out.printf(
          Locale.ROOT,
          "{\"sockets\":%d,\"links\":%d,\"namespaces\":%d,\"first_poll_ms\":%.1f,"
              + "\"poll_ms_p50\":%.1f,\"poll_ms_max\":%.1f,"
              + "\"first_poll_alloc_mib\":%.1f,\"poll_alloc_mib_p50\":%.1f,%s,"
              + "\"socket_limit\":%d}%n",
          last.table().trackedSockets(),
          last.table().links(),
          last.namespaces(),
          nanos[0] / 1e6,
          medianOfRest(nanos) / 1e6,
          maxOfRest(nanos) / 1e6,
          allocated[0] / 1048576.0,
          medianOfRest(allocated) / 1048576.0,
          steps,
          last.kernelDrops().socketLimit());
    }
  }

  /**
   * The kernel side of a poll, as {@code SocketTracer} takes it, timed apart on the kernel binding:
   * a complete harvest pass (every socket decoded), a pass of changes only (most polls), and the
   * closed sockets drained. Runs first, so that its probes and the pipeline's are never loaded
   * together.
   */
  private static String timeSteps(KernelOptions options, int polls) throws InterruptedException {
    long[] completeNanos = new long[polls + 1];
    long[] changedNanos = new long[polls + 1];
    long[] drainNanos = new long[polls + 1];
    try (KernelSockets kernel = KernelSockets.open(options)) {
      for (int i = 0; i <= polls; i++) {
        Thread.sleep(PAUSE_BETWEEN_POLLS);
        List<SocketSnapshot> read = new ArrayList<>();
        long begin = System.nanoTime();
        kernel.drainClosed(read::add);
        long drained = System.nanoTime();
        harvest(kernel, HarvestMode.ALL, read);
        long complete = System.nanoTime();
        harvest(kernel, HarvestMode.CHANGED, read);
        changedNanos[i] = System.nanoTime() - complete;
        completeNanos[i] = complete - drained;
        drainNanos[i] = drained - begin;
      }
      return String.format(
          Locale.ROOT,
          "\"path\":\"%s\",\"complete_harvest_ms_p50\":%.1f,\"changed_harvest_ms_p50\":%.1f,"
              + "\"drain_closed_ms_p50\":%.1f",
          kernel.path(),
          medianOfRest(completeNanos) / 1e6,
          medianOfRest(changedNanos) / 1e6,
          medianOfRest(drainNanos) / 1e6);
    }
  }

  private static void harvest(KernelSockets kernel, HarvestMode mode, List<SocketSnapshot> into) {
    switch (kernel.path()) {
      case PROCESSES -> kernel.harvestProcesses(mode, into::add);
      case NAMESPACES -> {
        kernel.startNamespacePass(mode);
        kernel.harvestOwnNamespace(into::add);
        NamespaceDirectory namespaces = new NamespaceDirectory();
        long own = namespaces.own();
        for (Map.Entry<Long, Path> namespace : namespaces.scan().entrySet()) {
          if (namespace.getKey() != own) {
            kernel.harvestNamespace(namespace.getValue(), into::add);
          }
        }
      }
    }
  }

  private static double medianOfRest(long[] values) {
    long[] rest = Arrays.copyOfRange(values, 1, values.length);
    Arrays.sort(rest);
    return Churn.percentile(rest, 0.5);
  }

  private static long maxOfRest(long[] values) {
    return Arrays.stream(values, 1, values.length).max().orElseThrow();
  }
}
