package io.chelonia.agent.identity.local;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.EndpointQuery;
import io.chelonia.agent.identity.NameSource;
import io.chelonia.agent.lifecycle.DaemonThreads;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Names the ends that live on this machine, with no cluster: the process behind a socket (kind
 * {@code Process}, by command name) or, when that process runs in a container, the container (kind
 * {@code Container}, by its Docker name). Client sockets come with their pid from the kernel;
 * server sockets and peers on this machine are found through the socket-owner index, rebuilt in the
 * background. The namespace of a local end is the host name.
 */
public final class LocalNames implements NameSource, AutoCloseable {
  public static final String KIND_PROCESS = "Process";
  public static final String KIND_CONTAINER = "Container";
  public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(10);
  private static final Logger LOG = LoggerFactory.getLogger(LocalNames.class);
  private static final long MIN_ON_DEMAND_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final int SHORT_ID = 12;
  private static final long SCAN_COST_FACTOR = 50;

  private final String hostName;
  private final ProcFs proc;
  private final DockerNames docker;
  private final ScheduledExecutorService background =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("chelonia-local-names"));
  private final Map<String, Optional<String>> containerNames = new ConcurrentHashMap<>();
  private final AtomicLong lastRefresh = new AtomicLong(System.nanoTime() - MIN_ON_DEMAND_NANOS);
  private volatile SocketOwners owners = SocketOwners.empty();
  private volatile long lastScanNanos;

  LocalNames(String hostName, Path proc, Path dockerSocket, Duration refresh) {
    this.hostName = hostName;
    this.proc = new ProcFs(proc);
    this.docker = new DockerNames(dockerSocket);
    refreshOwners();
    background.scheduleWithFixedDelay(this::refreshOwners, refresh.toMillis(), refresh.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Reads this machine's /proc and Docker socket; the first owner index is built before returning. */
  public static LocalNames start(String hostName, Duration refresh) {
    return new LocalNames(hostName, Path.of("/proc"), DockerNames.DEFAULT_SOCKET, refresh);
  }

  @Override
  public Optional<Endpoint> name(EndpointQuery query) {
    SocketOwners index = owners;
    if (!query.local() && !index.isLocal(query.address())) {
      // Elsewhere, or in a namespace newer than the index: a fresh index will tell.
      refreshSoon();
      return Optional.empty();
    }
    int pid = query.pid() > 0
        ? query.pid()
        : index.ownerPid(query.netns(), query.address(), query.port()).orElse(0);
    Optional<LocalProcess> process = proc.process(pid);
    Optional<Endpoint> named = process.isPresent() ? endpoint(process.get()) : exited(query);
    if (named.isEmpty()) {
      // Not in the index yet (a process newer than the last scan): the end is asked again later.
      refreshSoon();
      return Optional.of(new Endpoint(hostName, Endpoint.KIND_HOST, query.address().getHostAddress()));
    }
    return named;
  }

  /** A short-lived client gone before its first poll: the kernel kept its command name. */
  private Optional<Endpoint> exited(EndpointQuery query) {
    if (query.local() && query.pid() > 0 && !query.comm().isEmpty()) {
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
    return Optional.of(new Endpoint(hostName, KIND_CONTAINER, name.orElse(id.substring(0, SHORT_ID))));
  }

  /**
   * Asks for a fresh index on a miss, at most once a second and never more often than fifty times
   * the last scan took: a machine where scanning /proc is slow spends at most 2 % of a core on it.
   */
  private void refreshSoon() {
    long last = lastRefresh.get();
    long wait = Math.max(MIN_ON_DEMAND_NANOS, SCAN_COST_FACTOR * lastScanNanos);
    if (System.nanoTime() - last >= wait && lastRefresh.compareAndSet(last, System.nanoTime())) {
      background.execute(this::refreshOwners);
    }
  }

  private void refreshOwners() {
    long started = System.nanoTime();
    try {
      owners = SocketOwners.scan(proc.root());
    } catch (RuntimeException e) {
      LOG.warn("cannot read socket owners from {}: {}", proc.root(), e.toString());
    }
    lastScanNanos = System.nanoTime() - started;
    lastRefresh.set(System.nanoTime());
  }

  @Override
  public void close() {
    background.shutdownNow();
  }
}
