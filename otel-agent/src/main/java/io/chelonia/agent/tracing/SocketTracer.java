package io.chelonia.agent.tracing;

import io.chelonia.agent.kernel.DnsMessage;
import io.chelonia.agent.kernel.Errno;
import io.chelonia.agent.kernel.HarvestMode;
import io.chelonia.agent.kernel.HarvestPath;
import io.chelonia.agent.kernel.KernelException;
import io.chelonia.agent.kernel.KernelSockets;
import io.chelonia.agent.kernel.SocketSnapshot;
import io.chelonia.agent.kernel.UdpFlow;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Harvests the kernel's socket records: drains the sockets closed since the last poll, then runs
 * one harvest pass, which brings every socket's counters up to date and hands over those that
 * changed. Every {@value #COMPLETE_HARVEST_EVERY}th poll (and the first) hands over every open
 * socket, so the link table learns which sockets are still there. Not thread-safe: one platform
 * thread polls (on the per-namespace path, the namespace switch is per thread).
 */
public final class SocketTracer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SocketTracer.class);

  /** Polls between two complete harvests: 5 minutes at the default interval. */
  public static final int COMPLETE_HARVEST_EVERY = 60;

  private final KernelSockets kernel;
  private final NamespaceDirectory namespaces;
  private final SocketFilter filter;
  private final Clock clock;
  private final long ownNamespace;
  private final Set<Long> unreachableNamespaces = new HashSet<>();
  private final UdpFlowWatch udpFlows = new UdpFlowWatch(UdpFlowWatch.DEFAULT_IDLE_POLLS);
  private long polls;
  private int namespacesSeen;

  public SocketTracer(
      KernelSockets kernel, NamespaceDirectory namespaces, SocketFilter filter, Clock clock) {
    this.kernel = kernel;
    this.namespaces = namespaces;
    this.filter = filter;
    this.clock = clock;
    this.ownNamespace = namespaces.own();
    LOG.info(
        "harvest path: {} (programs attached: {})",
        describe(kernel.path()),
        String.join(", ", kernel.attachedPrograms()));
  }

  private static String describe(HarvestPath path) {
    return switch (path) {
      case PROCESSES -> "one pass over every process's sockets, all network namespaces at once";
      case NAMESPACES ->
          "one pass per network namespace (the agent does not see the host's"
              + " processes: run it in the host PID namespace, hostPID in Kubernetes, for a poll"
              + " that does not grow with namespaces)";
    };
  }

  /** DNS answers received since the last call, to the sink (none when they are off). */
  public int drainDnsMessages(Consumer<DnsMessage> sink) {
    return kernel.drainDnsMessages(sink);
  }

  public SocketPoll poll() {
    long started = System.nanoTime();
    HarvestMode mode =
        polls++ % COMPLETE_HARVEST_EVERY == 0 ? HarvestMode.ALL : HarvestMode.CHANGED;
    List<SocketSnapshot> closed = new ArrayList<>();
    List<SocketSnapshot> live = new ArrayList<>();
    kernel.drainClosed(socket -> keep(socket, closed));
    Consumer<SocketSnapshot> sink = socket -> keep(socket, socket.closed() ? closed : live);
    int namespaceCount =
        switch (kernel.path()) {
          case PROCESSES -> harvestProcesses(mode, sink);
          case NAMESPACES -> harvestNamespaces(mode, sink);
        };
    UdpFlowWatch.Harvest udp = udpFlows.harvest(kernel.udpFlows(), kernel::takeOut);
    List<UdpFlow> udpMoved = udp.moved().stream().filter(filter::keeps).toList();
    List<UdpFlow> udpEnded = udp.ended().stream().filter(filter::keeps).toList();
    return new SocketPoll(
        clock.instant(),
        live,
        closed,
        kernel.counters(),
        namespaceCount,
        Duration.ofNanos(System.nanoTime() - started),
        mode == HarvestMode.ALL,
        udpMoved,
        udpEnded);
  }

  private void keep(SocketSnapshot socket, List<SocketSnapshot> into) {
    if (filter.keeps(socket)) {
      into.add(socket);
    }
  }

  /** One pass; a complete one also counts the namespaces its sockets live in. */
  private int harvestProcesses(HarvestMode mode, Consumer<SocketSnapshot> sink) {
    if (mode != HarvestMode.ALL) {
      kernel.harvestProcesses(mode, sink);
      return namespacesSeen;
    }
    Set<Long> seen = new HashSet<>();
    kernel.harvestProcesses(
        mode,
        socket -> {
          seen.add(socket.netns());
          sink.accept(socket);
        });
    namespacesSeen = seen.size();
    return namespacesSeen;
  }

  private int harvestNamespaces(HarvestMode mode, Consumer<SocketSnapshot> sink) {
    kernel.startNamespacePass(mode);
    kernel.harvestOwnNamespace(sink);
    int walked = 1;
    for (Map.Entry<Long, Path> namespace : namespaces.scan().entrySet()) {
      long inode = namespace.getKey();
      if (inode == ownNamespace || unreachableNamespaces.contains(inode)) {
        continue;
      }
      try {
        kernel.harvestNamespace(namespace.getValue(), sink);
        walked++;
      } catch (KernelException e) {
        if (e.errno() == Errno.EPERM) {
          // Said once: without CAP_SYS_ADMIN the tracepoints still see the namespace's sockets
          // open and close; only older sockets and live counters wait for their close.
          unreachableNamespaces.add(inode);
          LOG.warn("not harvesting network namespace {}: {}", inode, e.getMessage());
        } else {
          // Its last process exited between the scan and now: nothing left to harvest.
          LOG.debug("network namespace {} went away: {}", inode, e.getMessage());
        }
      }
    }
    return walked;
  }

  @Override
  public void close() {
    kernel.close();
  }
}
