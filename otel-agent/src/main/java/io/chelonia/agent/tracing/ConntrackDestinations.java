package io.chelonia.agent.tracing;

import io.chelonia.agent.kernel.ConnectionTuple;
import io.chelonia.agent.kernel.Conntrack;
import io.chelonia.agent.kernel.Errno;
import io.chelonia.agent.kernel.KernelException;
import io.chelonia.agent.kernel.SocketSnapshot;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks client sockets up in the kernel's connection tracking, on a thread of its own: first in the
 * socket's own network namespace (a sidecar's rules, or a node-network client whose connection the
 * node's OUTPUT rules translated), then in the agent's (the node's, where kube-proxy translates a
 * pod's connection in PREROUTING). A connection found translated there went to the reply
 * direction's source. At most {@link #MAX_QUEUED} lookups wait; past that, and past {@link
 * #MAX_ANSWERS} answers not yet collected, a socket is taken as dialled, and counted.
 */
public final class ConntrackDestinations implements ActualDestinations, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConntrackDestinations.class);

  static final int MAX_QUEUED = 4096;
  static final int MAX_ANSWERS = 65_536;

  /** A namespace missing from the directory is looked for again at most this often. */
  private static final long RESCAN_NANOS = 1_000_000_000L;

  private final NamespaceDirectory directory;
  private final Optional<Path> nodeNamespace;
  private final long ownNamespace;
  private final BlockingQueue<SocketSnapshot> queue = new ArrayBlockingQueue<>(MAX_QUEUED);
  private final Map<Long, ActualDestination> answers = new ConcurrentHashMap<>();
  private final LookupCounters counters = new LookupCounters();
  private final Thread worker;

  // Worker thread only.
  private Map<Long, Path> namespaces = Map.of();
  private long scanned = Long.MIN_VALUE / 2;
  private final Set<Integer> errorsSaid = new HashSet<>();
  private boolean mayEnter = true;

  /** Asks the socket's namespace, then the agent's own (the node's, where the agent runs). */
  public ConntrackDestinations(NamespaceDirectory directory) {
    this(directory, Optional.empty());
  }

  /**
   * @param nodeNamespace the nsfs file of the node's namespace, asked after the socket's; empty:
   *     the agent's own (an agent on the node's network). Tests put the node elsewhere.
   */
  public ConntrackDestinations(NamespaceDirectory directory, Optional<Path> nodeNamespace) {
    this.directory = directory;
    this.nodeNamespace = nodeNamespace;
    this.ownNamespace = directory.own();
    this.worker = Thread.ofPlatform().daemon().name("chelonia-conntrack").start(this::work);
  }

  @Override
  public ActualDestination of(SocketSnapshot socket) {
    long cookie = socket.cookie();
    ActualDestination known = answers.get(cookie);
    if (known != null) {
      if (known != ActualDestination.PENDING) {
        answers.remove(cookie);
      }
      return known;
    }
    if (answers.size() >= MAX_ANSWERS) {
      counters.skipped.increment();
      return ActualDestination.AS_DIALLED;
    }
    // Marked before it is queued, so the worker's answer can never be overwritten by the mark.
    answers.put(cookie, ActualDestination.PENDING);
    if (!queue.offer(socket)) {
      answers.remove(cookie);
      counters.skipped.increment();
      return ActualDestination.AS_DIALLED;
    }
    return ActualDestination.PENDING;
  }

  /** What the lookups found so far. */
  public LookupCounters.Snapshot counters() {
    return counters.snapshot();
  }

  private void work() {
    Conntrack conntrack;
    try {
      conntrack = Conntrack.open();
    } catch (KernelException e) {
      LOG.warn("Service backends not looked up, links stay on the Service: {}", e.getMessage());
      answerAllAsDialled();
      return;
    }
    try (conntrack) {
      while (true) {
        SocketSnapshot socket = queue.take();
        long started = System.nanoTime();
        ActualDestination found = lookUp(conntrack, socket);
        counters.count(found, System.nanoTime() - started);
        answers.put(socket.cookie(), found);
      }
    } catch (InterruptedException e) {
      // closed
    }
  }

  private void answerAllAsDialled() {
    try {
      while (true) {
        answers.put(queue.take().cookie(), ActualDestination.AS_DIALLED);
      }
    } catch (InterruptedException e) {
      // closed
    }
  }

  private ActualDestination lookUp(Conntrack conntrack, SocketSnapshot socket) {
    ConnectionTuple original =
        new ConnectionTuple(
            socket.localAddress(), socket.localPort(), socket.remoteAddress(), socket.remotePort());
    if (mayEnter && socket.netns() != ownNamespace) {
      Optional<Path> namespace = namespaceFile(socket.netns());
      if (namespace.isPresent()) {
        ActualDestination inSocketNamespace = ask(conntrack, original, namespace);
        if (inSocketNamespace instanceof ActualDestination.Translated) {
          return inSocketNamespace;
        }
      }
    }
    return ask(conntrack, original, nodeNamespace);
  }

  /** One namespace's answer; a refusal (EPERM: no CAP_SYS_ADMIN to enter it) is said once. */
  private ActualDestination ask(
      Conntrack conntrack, ConnectionTuple original, Optional<Path> namespace) {
    try {
      return translation(
          original,
          namespace.isPresent()
              ? conntrack.replyOf(original, namespace.get())
              : conntrack.replyOf(original));
    } catch (KernelException e) {
      counters.failed.increment();
      if (namespace.isPresent() && e.errno() == Errno.EPERM) {
        mayEnter = false; // without CAP_SYS_ADMIN no namespace can be entered: stop trying
      }
      if (errorsSaid.add(e.errno())) {
        LOG.warn("conntrack lookup failed, the link stays on the Service: {}", e.getMessage());
      }
      return ActualDestination.AS_DIALLED;
    }
  }

  /** The reply's source is the translated destination; the dialled one when nothing translated. */
  private static ActualDestination translation(
      ConnectionTuple original, Optional<ConnectionTuple> reply) {
    if (reply.isEmpty()) {
      return ActualDestination.AS_DIALLED;
    }
    ConnectionTuple answered = reply.get();
    if (answered.source().equals(original.destination())
        && answered.sourcePort() == original.destinationPort()) {
      return ActualDestination.AS_DIALLED;
    }
    return new ActualDestination.Translated(answered.source(), answered.sourcePort());
  }

  private Optional<Path> namespaceFile(long inode) {
    Path path = namespaces.get(inode);
    long now = System.nanoTime();
    if (path == null && now - scanned >= RESCAN_NANOS) {
      namespaces = directory.scan();
      scanned = now;
      path = namespaces.get(inode);
    }
    return Optional.ofNullable(path);
  }

  /** Stops the lookups; the worker closes its netlink socket. Idempotent. */
  @Override
  public void close() {
    worker.interrupt();
    try {
      worker.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
