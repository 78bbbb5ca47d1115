package io.chelonia.agent.identity.kubernetes;

import static io.chelonia.agent.identity.kubernetes.ClusterIndexes.BY_IP;
import static io.chelonia.agent.identity.kubernetes.ClusterIndexes.BY_NODE_PORT;
import static io.chelonia.agent.identity.kubernetes.ClusterIndexes.BY_UID;

import io.chelonia.agent.lifecycle.Closing;
import io.chelonia.agent.lifecycle.DaemonThreads;
import io.kubernetes.client.openapi.ApiClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * What the agent knows of the cluster: Pods, Services and Nodes, and the metadata of ReplicaSets
 * and Jobs (the links from a pod to its Deployment or CronJob), listed once (in pages: {@link
 * PagedLists}) and then watched by shared informers into indexed caches that lookups read without
 * blocking; plus which cgroup on this node belongs to which pod. A watchdog restarts informers that
 * went silent. When the API server is away the caches keep the last known state, the informers
 * retry with growing waits, and failures are counted ({@link #errors()}).
 */
final class ClusterCache implements AutoCloseable {
  private final ResourceInformer<CachedPod> pods;
  private final ResourceInformer<CachedService> services;
  private final ResourceInformer<CachedNode> nodes;
  private final ResourceInformer<OwnedObject> replicaSets;
  private final ResourceInformer<OwnedObject> jobs;
  private final List<ResourceInformer<?>> all;
  private final CgroupPods cgroups;
  private final ApiHealth health = new ApiHealth();
  private final ScheduledExecutorService watchdog;
  private final ExecutorService background;

  ClusterCache(ApiClient client, Path cgroupRoot, InformerTiming timing, int pageSize) {
    // Watches are long-lived: the server ends them (timeoutSeconds), not a client read timeout.
    client.setReadTimeout(0);
    // Over TLS every call shares one HTTP/2 connection: left half-open (a restart behind a load
    // balancer), it would silence every watch, and every call an informer restarted by the
    // watchdog makes. Pings find it dead, and the calls fail and are made again on a new one (what
    // client-go's HTTP/2 health check does).
    client.setHttpClient(
        client.getHttpClient().newBuilder().pingInterval(timing.pingInterval()).build());
    Informers informers = new Informers(client, timing, health, pageSize);
    pods =
        informers.of(
            ApiResource.PODS,
            Map.of(
                BY_IP,
                ClusterIndexes::podIps,
                BY_UID,
                ClusterIndexes::podUid,
                BY_NODE_PORT,
                ClusterIndexes::hostNetworkPorts));
    services = informers.of(ApiResource.SERVICES, Map.of(BY_IP, CachedService::ips));
    nodes = informers.of(ApiResource.NODES, Map.of(BY_IP, CachedNode::ips));
    replicaSets = informers.of(ApiResource.REPLICA_SETS, Map.of());
    jobs = informers.of(ApiResource.JOBS, Map.of());
    all = List.of(pods, services, nodes, replicaSets, jobs);
    background = Executors.newSingleThreadExecutor(DaemonThreads.named("chelonia-cgroups"));
    cgroups =
        new CgroupPods(cgroupRoot, background, System::nanoTime, Duration.ofSeconds(1).toNanos());
    watchdog =
        Executors.newSingleThreadScheduledExecutor(
            DaemonThreads.named("chelonia-kubernetes-watchdog"));
  }

  /** Starts listing and watching, and the watchdog that checks every informer each period. */
  ClusterCache start(Duration watchdogPeriod) {
    all.forEach(ResourceInformer::start);
    long period = watchdogPeriod.toMillis();
    watchdog.scheduleWithFixedDelay(
        () -> all.forEach(ResourceInformer::check), period, period, TimeUnit.MILLISECONDS);
    return this;
  }

  List<CachedPod> podsAt(String address) {
    return pods.byIndex(BY_IP, address);
  }

  List<CachedService> servicesAt(String address) {
    return services.byIndex(BY_IP, address);
  }

  List<CachedNode> nodesAt(String address) {
    return nodes.byIndex(BY_IP, address);
  }

  Optional<CachedPod> podWithUid(String uid) {
    return pods.byIndex(BY_UID, uid).stream().findFirst();
  }

  /** hostNetwork pods on {@code node} that declare {@code port}. */
  List<CachedPod> hostNetworkPodsOn(String node, int port) {
    return pods.byIndex(BY_NODE_PORT, ClusterIndexes.nodePort(node, port));
  }

  /** The Node {@code name}, or null while it is not cached. */
  CachedNode node(String name) {
    return nodes.get(name);
  }

  /** The ReplicaSet {@code namespace/name}, or null while it is not cached. */
  OwnedObject replicaSet(String namespace, String name) {
    return replicaSets.get(namespace, name);
  }

  /** The Job {@code namespace/name}, or null while it is not cached. */
  OwnedObject job(String namespace, String name) {
    return jobs.get(namespace, name);
  }

  CgroupPods cgroups() {
    return cgroups;
  }

  /** Failed calls to the API server and failed watches since the start. */
  long errors() {
    return health.errors();
  }

  /** Whether every kind has been listed at least once. */
  boolean hasSynced() {
    return all.stream().allMatch(ResourceInformer::hasSynced);
  }

  /** Informers restarted by the watchdog. */
  long restarts() {
    return all.stream().mapToLong(ResourceInformer::restarts).sum();
  }

  /** Stops the watchdog, the cgroup scans and every informer, all of them even when one fails. */
  @Override
  public void close() {
    List<AutoCloseable> steps =
        new ArrayList<>(List.of(watchdog::shutdownNow, background::shutdownNow));
    all.forEach(informer -> steps.add(informer::stop));
    Closing.closeAll(steps.toArray(AutoCloseable[]::new));
  }

  /** What every kind's informer shares: the client, its timing, the health it reports to. */
  private record Informers(
      ApiClient client, InformerTiming timing, ApiHealth health, int pageSize) {
    <T extends CachedObject> ResourceInformer<T> of(
        ApiResource<T> resource, Map<String, Function<T, List<String>>> indexers) {
      return new ResourceInformer<>(
          resource.type(),
          resource.toString(),
          new PagedLists<>(client, resource, pageSize),
          indexers,
          timing,
          health,
          System::nanoTime);
    }
  }
}
