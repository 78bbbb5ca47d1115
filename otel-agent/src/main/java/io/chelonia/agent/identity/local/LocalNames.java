package io.chelonia.agent.identity.local;

import io.chelonia.agent.identity.AddressText;
import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.EndpointQuery;
import io.chelonia.agent.identity.NameSource;
import io.chelonia.agent.kernel.Errno;
import io.chelonia.agent.kernel.KernelException;
import io.chelonia.agent.kernel.KernelRequirements;
import io.chelonia.agent.kernel.OwnedSocket;
import io.chelonia.agent.kernel.SocketOwnerIterator;
import io.chelonia.agent.lifecycle.DaemonThreads;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Names the ends that live on this machine, with no cluster: the process behind a socket (kind
 * {@code Process}, by command name) or, when that process runs in a container, the container (kind
 * {@code Container}, by its Docker name). Most ends come with their pid from the kernel: a client's
 * (the process that connected), a server's (the process the harvest met holding it or its
 * listener), a peer's whose socket was in the same harvest. The rest are found through the
 * socket-owner index, rebuilt in the background from the kernel's list of the sockets processes
 * hold (the owners iterator), or from /proc where that cannot be loaded. The namespace of a process
 * or container is the host name; an address of this machine whose owner is not found is, like any
 * unnamed address here, kind {@code Host} in namespace {@code node}, so both ends of a link and
 * every source name it alike.
 */
public final class LocalNames implements NameSource, AutoCloseable {
  public static final String KIND_PROCESS = "Process";
  public static final String KIND_CONTAINER = "Container";

  /**
   * How often the whole owner index is rebuilt. Server ends and most peers on this machine are
   * named from the harvest's records, and an end the index misses has a pass of its own: the
   * rebuild is a safety net, and each is a walk of every open file on the machine.
   */
  public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(60);

  private static final Logger LOG = LoggerFactory.getLogger(LocalNames.class);
  private static final long MIN_ON_DEMAND_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final int SHORT_ID = 12;
  private static final long SCAN_COST_FACTOR = 50;

  /** How long an end (an address) that asked for a pass asks for no other. */
  private static final long MISSED_END_MEMORY_NANOS = TimeUnit.MINUTES.toNanos(1);

  /** How long an address stays this machine's for naming after the last index that had it. */
  private static final long LOCAL_ADDRESS_MEMORY_NANOS = TimeUnit.MINUTES.toNanos(10);

  private final String hostName;
  private final ProcFs proc;
  private final Optional<SocketOwnerIterator> kernel;
  private final Optional<Function<LongPredicate, List<OwnedSocket>>> ownedSockets;
  private final DockerNames docker;
  private final ScheduledExecutorService background =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("chelonia-local-names"));
  private final Map<String, Optional<String>> containerNames = new ConcurrentHashMap<>();

  /** Namespaces where a lookup missed, with the earliest time each may be read again. */
  private final Map<Long, Long> missedNamespaces = new ConcurrentHashMap<>();

  /** When each namespace may be read again: its last rescan's start plus fifty times its cost. */
  private final Map<Long, Long> allowedAt = new ConcurrentHashMap<>();

  /** When the next rescan is scheduled, {@code Long.MAX_VALUE} when none is. */
  private final AtomicLong nextRescan = new AtomicLong(Long.MAX_VALUE);

  /**
   * What asked for a pass, with when it did: an end (its query), or an address not of this machine
   * (which only a new namespace could make one).
   */
  private final Map<Object, Long> askedForPass = new ConcurrentHashMap<>();

  private volatile long lastRescanStart = System.nanoTime() - MIN_ON_DEMAND_NANOS;
  private volatile SocketOwners owners = SocketOwners.empty();

  /**
   * Addresses of this machine as of the recent indexes, with when an index last had each. A
   * namespace drops out of the index when its last process exits (a pinned namespace with no
   * process, a pod being torn down): its address stays this machine's for naming a while longer, so
   * two connections to it a few seconds apart are named alike.
   */
  private final Map<InetAddress, Long> recentlyLocal = new ConcurrentHashMap<>();

  /** Owners from /proc alone. */
  LocalNames(String hostName, Path proc, Path dockerSocket, Duration refresh) {
    this(hostName, proc, Optional.empty(), dockerSocket, refresh);
  }

  /**
   * @param kernel the owners iterator, closed with this; without it the owners are read from /proc
   */
  LocalNames(
      String hostName,
      Path proc,
      Optional<SocketOwnerIterator> kernel,
      Path dockerSocket,
      Duration refresh) {
    this(hostName, proc, kernel, kernel.map(iterator -> iterator::list), dockerSocket, refresh);
  }

  /** Owners from the list given (tests count the passes through it), the rest from {@code proc}. */
  LocalNames(
      String hostName,
      Path proc,
      Function<LongPredicate, List<OwnedSocket>> ownedSockets,
      Path dockerSocket,
      Duration refresh) {
    this(hostName, proc, Optional.empty(), Optional.of(ownedSockets), dockerSocket, refresh);
  }

  private LocalNames(
      String hostName,
      Path proc,
      Optional<SocketOwnerIterator> kernel,
      Optional<Function<LongPredicate, List<OwnedSocket>>> ownedSockets,
      Path dockerSocket,
      Duration refresh) {
    this.hostName = hostName;
    this.kernel = kernel;
    this.ownedSockets = ownedSockets;
    this.proc = new ProcFs(proc);
    this.docker = new DockerNames(dockerSocket);
    refreshOwners();
    background.scheduleWithFixedDelay(
        this::refreshOwners, refresh.toMillis(), refresh.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Reads this machine's sockets' owners (from the kernel, else from /proc), /proc and Docker
   * socket; the first owner index is built before returning.
   */
  public static LocalNames start(String hostName, Duration refresh) {
    return new LocalNames(
        hostName, Path.of("/proc"), ownersIterator(), DockerNames.DEFAULT_SOCKET, refresh);
  }

  private static Optional<SocketOwnerIterator> ownersIterator() {
    try {
      new KernelRequirements().verify();
    } catch (KernelException e) {
      // The harvest, opened next, stops the agent with this reason, in one line of its own.
      return Optional.empty();
    }
    try {
      return Optional.of(SocketOwnerIterator.open());
    } catch (KernelException e) {
      if (Math.abs(e.errno()) == Errno.EPERM || Math.abs(e.errno()) == Errno.EACCES) {
        // Not allowed to load programs (capabilities, a seccomp profile without bpf): the
        // harvest, opened next, stops the agent with this reason, in one line of its own.
        LOG.debug("socket owners: {}", e.getMessage());
      } else {
        LOG.warn("socket owners read from /proc, at a higher cost: {}", e.getMessage());
      }
      return Optional.empty();
    }
  }

  @Override
  public Optional<Endpoint> name(EndpointQuery query) {
    SocketOwners index = owners;
    if (!query.local()
        && query.pid() == 0
        && !index.isLocal(query.address())
        && !wasRecentlyLocal(query.address())) {
      // Elsewhere, or in a namespace newer than the index: a rescan, which reads new ones, will
      // tell.
      rescanOnce(query.address(), List.of());
      return Optional.empty();
    }
    int pid = query.pid() > 0 ? query.pid() : index.ownerPid(query).orElse(0);
    Optional<LocalProcess> process = proc.process(pid);
    Optional<Endpoint> named = process.isPresent() ? endpoint(process.get()) : exited(query);
    if (named.isEmpty()) {
      // Not in the index yet (a process newer than the last scan): the end is asked again later.
      rescanOnce(query, index.namespacesToSearch(query));
      return Optional.of(Endpoint.host(AddressText.of(query.address())));
    }
    return named;
  }

  /**
   * A short-lived client gone before its first poll: the kernel kept its command name, for the
   * client's own socket and for the server socket it connected to alike.
   */
  private Optional<Endpoint> exited(EndpointQuery query) {
    if (query.pid() > 0 && !query.comm().isEmpty()) {
      return Optional.of(new Endpoint(hostName, KIND_PROCESS, query.comm()));
    }
    return Optional.empty();
  }

  private Optional<Endpoint> endpoint(LocalProcess process) {
    if (process.containerId().isEmpty()) {
      return Optional.of(new Endpoint(hostName, KIND_PROCESS, process.comm()));
    }
    String id = process.containerId().get();
    Optional<String> name = containerNames.get(id);
    if (name == null) {
      background.execute(() -> containerNames.put(id, docker.name(id)));
      return Optional.empty();
    }
    return Optional.of(
        new Endpoint(hostName, KIND_CONTAINER, name.orElse(id.substring(0, SHORT_ID))));
  }

  /**
   * A rescan for an end's (an address's) first miss only: one asked again after a pass that missed
   * it too (a client gone before any pass could see it, an address no process here holds) waits for
   * the next refresh, so an end asked at every poll of the naming wait costs one pass, not one a
   * poll. A pass asked for and not run yet needs no second asking: its namespaces stay pending
   * until it runs.
   */
  private void rescanOnce(Object asking, List<Long> namespaces) {
    if (askedForPass.putIfAbsent(asking, System.nanoTime()) == null) {
      rescanSoon(namespaces);
    }
  }

  /**
   * On a miss, reads again the namespaces where the end was looked for, and any namespace new since
   * the last scan. Each namespace is read at most once a second and never more often than fifty
   * times its last rescan took, so a namespace costs at most 2 % of a core, and a busy one
   * (thousands of descriptors) never holds back a new pod's. A miss inside that time is not
   * dropped: the rescan runs as soon as it is allowed, so the name is there within the naming wait.
   */
  private void rescanSoon(List<Long> namespaces) {
    long now = System.nanoTime();
    // New namespaces only: at most one pass a second.
    long due = namespaces.isEmpty() ? lastRescanStart + MIN_ON_DEMAND_NANOS : Long.MAX_VALUE;
    for (long netns : namespaces) {
      long at = Math.max(now, allowedAt.getOrDefault(netns, now));
      missedNamespaces.merge(netns, at, Math::min);
      due = Math.min(due, at);
    }
    scheduleRescan(Math.max(now, due));
  }

  private void scheduleRescan(long due) {
    for (long scheduled = nextRescan.get(); due < scheduled; scheduled = nextRescan.get()) {
      if (nextRescan.compareAndSet(scheduled, due)) {
        try {
          background.schedule(this::rescanMissed, due - System.nanoTime(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
          // Closing: no more rescans.
        }
        return;
      }
    }
  }

  private void rescanMissed() {
    nextRescan.set(Long.MAX_VALUE);
    long now = System.nanoTime();
    Set<Long> ready = new HashSet<>();
    long later = Long.MAX_VALUE;
    for (Map.Entry<Long, Long> missed : missedNamespaces.entrySet()) {
      if (missed.getValue() <= now) {
        ready.add(missed.getKey());
      } else {
        later = Math.min(later, missed.getValue());
      }
    }
    missedNamespaces.keySet().removeAll(ready);
    if (later != Long.MAX_VALUE) {
      scheduleRescan(later);
    }
    lastRescanStart = now;
    Map<Long, Long> costs = new HashMap<>();
    try {
      owners = owners.rescan(proc.root(), ownedSockets, ready, costs);
      remember(owners);
    } catch (RuntimeException e) {
      LOG.warn("cannot read socket owners from {}: {}", proc.root(), e.toString());
    }
    // A namespace whose wait is over is as if never read: forgetting it keeps the map small as pods
    // come and go.
    allowedAt.values().removeIf(at -> at <= now);
    costs.forEach(
        (netns, cost) ->
            allowedAt.put(netns, now + Math.max(MIN_ON_DEMAND_NANOS, SCAN_COST_FACTOR * cost)));
  }

  private void refreshOwners() {
    try {
      owners = SocketOwners.scan(proc.root(), ownedSockets);
      remember(owners);
    } catch (RuntimeException e) {
      LOG.warn("cannot read socket owners from {}: {}", proc.root(), e.toString());
    }
    // An end still unnamed a minute after its pass (asked again at its fallback's later polls)
    // may have one more; forgetting it keeps the map to the ends of the last minute.
    long now = System.nanoTime();
    askedForPass.values().removeIf(asked -> now - asked > MISSED_END_MEMORY_NANOS);
  }

  private void remember(SocketOwners index) {
    long now = System.nanoTime();
    index.localAddresses().forEach(address -> recentlyLocal.put(address, now));
    recentlyLocal.values().removeIf(seen -> now - seen > LOCAL_ADDRESS_MEMORY_NANOS);
  }

  private boolean wasRecentlyLocal(InetAddress address) {
    Long seen = recentlyLocal.get(address);
    return seen != null && System.nanoTime() - seen <= LOCAL_ADDRESS_MEMORY_NANOS;
  }

  @Override
  public void close() {
    background.shutdownNow();
    try {
      // A pass under way ends before its iterator closes.
      background.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    kernel.ifPresent(SocketOwnerIterator::close);
  }
}
