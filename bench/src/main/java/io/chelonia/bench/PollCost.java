package io.chelonia.bench;

import io.chelonia.agent.identity.AddressResolver;
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
 * A poll end to end, on the real kernel: the agent's pipeline (probes loaded, every network
 * namespace iterated, the socket map harvested, the harvest folded into links), timed around
 * {@link LinkPipeline#poll()} with the sockets that exist on the machine.
 *
 * <pre>
 * PollCost POLLS MAX_SOCKETS
 * </pre>
 *
 * The first poll finds every socket (they are older than the probes); the next POLLS are the
 * steady state. Then, with the pipeline closed, the same steps are timed apart on the kernel
 * binding: the iterator run in every namespace, and the socket map read and decoded. Prints one
 * JSON line: sockets and links seen, the first poll, the median and maximum of the others in time
 * and in bytes allocated on the poll thread, the medians of the two steps, and the kernel's
 * drop counters (a full socket map would make the count of sockets wrong).
 */
public final class PollCost {
  private static final Duration PAUSE_BETWEEN_POLLS = Duration.ofMillis(200);

  private PollCost() {}

  public static void main(String[] args) throws Exception {
    int polls = Integer.parseInt(args[0]);
    int maxSockets = Integer.parseInt(args[1]);
    PipelineConfig config = PipelineConfig.defaults().withLoopback(true).withKernel(
        new KernelOptions(maxSockets, KernelOptions.DEFAULT_MAX_LISTENERS,
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
      System.out.printf(Locale.ROOT,
          "{\"sockets\":%d,\"links\":%d,\"namespaces\":%d,\"first_poll_ms\":%.1f,"
              + "\"poll_ms_p50\":%.1f,\"poll_ms_max\":%.1f,"
              + "\"first_poll_alloc_mib\":%.1f,\"poll_alloc_mib_p50\":%.1f,%s,"
              + "\"socket_map_full\":%d}%n",
          last.table().trackedSockets(), last.table().links(), last.namespaces(),
          nanos[0] / 1e6, medianOfRest(nanos) / 1e6, maxOfRest(nanos) / 1e6,
          allocated[0] / 1048576.0,
          medianOfRest(allocated) / 1048576.0, steps, last.kernelDrops().socketMapFull());
    }
  }

  /**
   * The kernel side of a poll in two steps, as {@code SocketTracer} takes them: the iterator in
   * every network namespace (counters brought up to date), then the closed ring and the socket
   * map read and decoded into snapshots. Runs first, so that its probes and the pipeline's are
   * never loaded together.
   */
  private static String timeSteps(KernelOptions options, int polls) throws InterruptedException {
    NamespaceDirectory namespaces = new NamespaceDirectory();
    long own = namespaces.own();
    long[] refreshNanos = new long[polls + 1];
    long[] readNanos = new long[polls + 1];
    try (KernelSockets kernel = KernelSockets.open(options)) {
      for (int i = 0; i <= polls; i++) {
        Thread.sleep(PAUSE_BETWEEN_POLLS);
        long begin = System.nanoTime();
        kernel.refreshOwnNamespace();
        for (Map.Entry<Long, Path> namespace : namespaces.scan().entrySet()) {
          if (namespace.getKey() != own) {
            kernel.refreshNamespace(namespace.getValue());
          }
        }
        long refreshed = System.nanoTime();
        List<SocketSnapshot> read = new ArrayList<>();
        kernel.drainClosed(read::add);
        kernel.harvest(read::add);
        readNanos[i] = System.nanoTime() - refreshed;
        refreshNanos[i] = refreshed - begin;
      }
    }
    return String.format(Locale.ROOT, "\"iterate_namespaces_ms_p50\":%.1f,\"read_map_ms_p50\":%.1f",
        medianOfRest(refreshNanos) / 1e6, medianOfRest(readNanos) / 1e6);
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
