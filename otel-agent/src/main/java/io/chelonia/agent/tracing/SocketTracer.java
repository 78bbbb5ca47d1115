package io.chelonia.agent.tracing;

import io.chelonia.agent.kernel.Errno;
import io.chelonia.agent.kernel.KernelException;
import io.chelonia.agent.kernel.KernelSockets;
import io.chelonia.agent.kernel.SocketSnapshot;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Harvests the kernel's socket table: brings every namespace's counters up to date with the
 * iterator, drains the sockets closed since the last poll, reads the table, and filters.
 * Not thread-safe: one platform thread polls (the namespace switch is per thread).
 */
public final class SocketTracer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SocketTracer.class);

  private final KernelSockets kernel;
  private final NamespaceDirectory namespaces;
  private final SocketFilter filter;
  private final Clock clock;
  private final long ownNamespace;
  private final Set<Long> unreachableNamespaces = new HashSet<>();

  public SocketTracer(KernelSockets kernel, NamespaceDirectory namespaces, SocketFilter filter, Clock clock) {
    this.kernel = kernel;
    this.namespaces = namespaces;
    this.filter = filter;
    this.clock = clock;
    this.ownNamespace = namespaces.own();
  }

  public SocketPoll poll() {
    long started = System.nanoTime();
    int refreshed = refreshNamespaces();
    List<SocketSnapshot> closed = new ArrayList<>();
    List<SocketSnapshot> live = new ArrayList<>();
    kernel.drainClosed(socket -> keep(socket, closed));
    kernel.harvest(
        socket -> {
          if (socket.closed()) {
            // Closed while the ring buffer was full: reported now, then removed from the table.
            keep(socket, closed);
            kernel.forget(socket.cookie());
          } else {
            keep(socket, live);
          }
        });
    return new SocketPoll(
        clock.instant(), live, closed, kernel.counters(), refreshed,
        Duration.ofNanos(System.nanoTime() - started));
  }

  private void keep(SocketSnapshot socket, List<SocketSnapshot> into) {
    if (filter.keeps(socket)) {
      into.add(socket);
    }
  }

  private int refreshNamespaces() {
    kernel.refreshOwnNamespace();
    int refreshed = 1;
    for (Map.Entry<Long, Path> namespace : namespaces.scan().entrySet()) {
      long inode = namespace.getKey();
      if (inode == ownNamespace || unreachableNamespaces.contains(inode)) {
        continue;
      }
      try {
        kernel.refreshNamespace(namespace.getValue());
        refreshed++;
      } catch (KernelException e) {
        if (e.errno() == Errno.EPERM) {
          // Said once: without CAP_SYS_ADMIN the tracepoints still see the namespace's sockets,
          // only older sockets and the last segment's counters wait for their next event.
          unreachableNamespaces.add(inode);
          LOG.warn("not refreshing network namespace {}: {}", inode, e.getMessage());
        } else {
          // Its last process exited between the scan and now: nothing left to refresh.
          LOG.debug("network namespace {} went away: {}", inode, e.getMessage());
        }
      }
    }
    return refreshed;
  }

  @Override
  public void close() {
    kernel.close();
  }
}
