package io.chelonia.agent.identity.kubernetes;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.EndpointQuery;
import io.chelonia.agent.identity.NameSource;
import io.kubernetes.client.openapi.ApiClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Names socket ends in the cluster's own terms, from the {@link ClusterCache}: a pod's address is
 * its top owner (Deployment, StatefulSet, DaemonSet, CronJob, a custom resource such as an Argo
 * Rollout, or the Pod itself), a Service's cluster, external or load-balancer address is the
 * Service, a node's address is the Node (or, on this node, the hostNetwork pod behind the socket).
 * Pods and Nodes are placed in their node's zone and region. Anything else is left to the next
 * source. Lookups read the caches and never block.
 */
public final class KubernetesNames implements NameSource, AutoCloseable {
  static final String KIND_NODE = "Node";
  static final String KIND_POD = "Pod";
  static final String KIND_SERVICE = Endpoint.KIND_SERVICE;

  private final ClusterCache cluster;

  private KubernetesNames(ClusterCache cluster) {
    this.cluster = cluster;
  }

  /** Names from the API server {@code client} talks to. */
  public static Builder builder(ApiClient client) {
    return new Builder(client);
  }

  @Override
  public Optional<Endpoint> name(EndpointQuery query) {
    if (query.local() && query.address().isAnyLocalAddress()) {
      return podOfCgroup(query.cgroupId());
    }
    String address = query.address().getHostAddress();
    List<CachedPod> podsAt = cluster.podsAt(address);
    if (!podsAt.isEmpty()) {
      return workloadOf(newest(podsAt));
    }
    List<CachedService> servicesAt = cluster.servicesAt(address);
    if (!servicesAt.isEmpty()) {
      CachedService service = servicesAt.getFirst();
      return Optional.of(new Endpoint(service.namespace(), KIND_SERVICE, service.name()));
    }
    List<CachedNode> nodesAt = cluster.nodesAt(address);
    if (!nodesAt.isEmpty()) {
      return onNode(nodesAt.getFirst().name(), query);
    }
    return Optional.empty();
  }

  /**
   * A node's address: a hostNetwork pod when the socket is on this node and its cgroup or its
   * listening port tells which, else the Node.
   */
  private Optional<Endpoint> onNode(String node, EndpointQuery query) {
    if (query.local()) {
      if (query.cgroupId() != 0) {
        if (!cluster.cgroups().knows(query.cgroupId())) {
          return Optional.empty();
        }
        Optional<CachedPod> pod =
            cluster.cgroups().podUid(query.cgroupId()).flatMap(cluster::podWithUid);
        if (pod.isPresent()) {
          return workloadOf(pod.get());
        }
      }
      // Only a server's end: a client's ephemeral port may have the number a pod listens on.
      List<CachedPod> listening =
          query.server() ? cluster.hostNetworkPodsOn(node, query.port()) : List.of();
      if (!listening.isEmpty()) {
        return workloadOf(listening.getFirst());
      }
    }
    return Optional.of(
        NodeTopology.place(
            new Endpoint(Endpoint.NAMESPACE_NODE, KIND_NODE, node), cluster.node(node)));
  }

  /**
   * A UDP socket bound to no address that never connected has no address of its own: its pod is the
   * one whose cgroup it belongs to; empty while the cgroups are not walked yet, or for no pod's.
   */
  private Optional<Endpoint> podOfCgroup(long cgroupId) {
    if (cgroupId == 0 || !cluster.cgroups().knows(cgroupId)) {
      return Optional.empty();
    }
    return cluster
        .cgroups()
        .podUid(cgroupId)
        .flatMap(cluster::podWithUid)
        .flatMap(this::workloadOf);
  }

  /** The pod's workload, in the zone and region of the pod's node. */
  private Optional<Endpoint> workloadOf(CachedPod pod) {
    return ownerOf(pod).map(end -> NodeTopology.place(end, cluster.node(pod.node())));
  }

  /**
   * The pod's top owner, one level above a ReplicaSet or Job (their owner, when they have one, is
   * what people deploy: Deployment, Rollout, CronJob); empty while that owner is not in the cache
   * yet, so the end is asked again rather than named after the intermediate object for good.
   */
  private Optional<Endpoint> ownerOf(CachedPod pod) {
    String namespace = pod.namespace();
    Owner owner = pod.owner();
    if (owner == null) {
      return Optional.of(new Endpoint(namespace, KIND_POD, pod.name()).withPod(pod.name()));
    }
    OwnedObject parent;
    switch (owner.kind()) {
      case "ReplicaSet" -> parent = cluster.replicaSet(namespace, owner.name());
      case "Job" -> parent = cluster.job(namespace, owner.name());
      default -> {
        return Optional.of(new Endpoint(namespace, owner.kind(), owner.name()).withPod(pod.name()));
      }
    }
    if (parent == null) {
      return Optional.empty();
    }
    Owner top = parent.owner() == null ? owner : parent.owner();
    return Optional.of(new Endpoint(namespace, top.kind(), top.name()).withPod(pod.name()));
  }

  /** Two pods can hold one address for a moment (one ending, one starting): the running, newest. */
  private static CachedPod newest(List<CachedPod> candidates) {
    if (candidates.size() == 1) {
      return candidates.getFirst();
    }
    return candidates.stream()
        .max(
            Comparator.comparing(CachedPod::isRunning).thenComparingLong(CachedPod::createdSeconds))
        .orElseThrow();
  }

  /** Failed calls to the API server and failed watches since the start. */
  public long errors() {
    return cluster.errors();
  }

  /** Whether every kind has been listed at least once. */
  public boolean hasSynced() {
    return cluster.hasSynced();
  }

  /** Informers restarted by the watchdog. */
  long restarts() {
    return cluster.restarts();
  }

  @Override
  public void close() {
    cluster.close();
  }

  /**
   * Builds a {@link KubernetesNames}: settings are checked here, informers start on {@link #start}.
   */
  public static final class Builder {
    private final ApiClient client;
    private Path cgroupRoot = Path.of("/sys/fs/cgroup");
    private InformerTiming timing = InformerTiming.DEFAULT;
    private Duration watchdogPeriod = Duration.ofSeconds(30);
    private int pageSize = PagedLists.DEFAULT_PAGE_SIZE;

    private Builder(ApiClient client) {
      this.client = Objects.requireNonNull(client, "client");
    }

    /** The cgroup v2 hierarchy, where hostNetwork pods are told apart (default /sys/fs/cgroup). */
    public Builder cgroupRoot(Path cgroupRoot) {
      this.cgroupRoot = Objects.requireNonNull(cgroupRoot, "cgroupRoot");
      return this;
    }

    /**
     * How long a watch may last, how long an informer may stay silent before it is restarted, how
     * often that is checked, and the shortest and longest waits between failing calls.
     */
    Builder timing(
        Duration watchTimeout,
        Duration staleAfter,
        Duration watchdogPeriod,
        Duration retryMin,
        Duration retryMax) {
      this.timing =
          new InformerTiming(watchTimeout, staleAfter, retryMin, retryMax, timing.pingInterval());
      if (watchdogPeriod.isNegative() || watchdogPeriod.isZero()) {
        throw new IllegalArgumentException("watchdog period must be positive: " + watchdogPeriod);
      }
      this.watchdogPeriod = watchdogPeriod;
      return this;
    }

    /** How often the connection to the API server is pinged (default 30 s). */
    Builder pingInterval(Duration pingInterval) {
      this.timing =
          new InformerTiming(
              timing.watchTimeout(),
              timing.staleAfter(),
              timing.retryMin(),
              timing.retryMax(),
              pingInterval);
      return this;
    }

    /** The most objects one list call asks for (default 500); a list takes as many as needed. */
    Builder pageSize(int pageSize) {
      if (pageSize < 1) {
        throw new IllegalArgumentException("page size must be positive: " + pageSize);
      }
      this.pageSize = pageSize;
      return this;
    }

    /** Starts listing and watching in the background; names come as the caches fill. */
    public KubernetesNames start() {
      return new KubernetesNames(
          new ClusterCache(client, cgroupRoot, timing, pageSize).start(watchdogPeriod));
    }
  }
}
