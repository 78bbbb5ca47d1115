package io.chelonia.agent.identity.kubernetes;

import static io.chelonia.agent.identity.kubernetes.ClusterIndexes.BY_IP;
import static io.chelonia.agent.identity.kubernetes.ClusterIndexes.BY_NODE_PORT;
import static io.chelonia.agent.identity.kubernetes.ClusterIndexes.BY_UID;

import io.chelonia.agent.lifecycle.Closing;
import io.chelonia.agent.lifecycle.DaemonThreads;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1JobList;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeList;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.openapi.models.V1ReplicaSetList;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceList;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
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
import java.util.function.LongSupplier;

/**
 * What the agent knows of the cluster: Pods, Services and Nodes, and the metadata of ReplicaSets
 * and Jobs (the links from a pod to its Deployment or CronJob), listed once (in pages: {@link
 * PagedLists}) and then watched by shared informers into indexed caches that lookups read without
 * blocking; plus which cgroup on this node belongs to which pod. A watchdog restarts informers that
 * went silent. When the API server is away the caches keep the last known state, the informers
 * retry with growing waits, and failures are counted ({@link #errors()}).
 */
final class ClusterCache implements AutoCloseable {
  private final ResourceInformer<V1Pod, V1PodList> pods;
  private final ResourceInformer<V1Service, V1ServiceList> services;
  private final ResourceInformer<V1Node, V1NodeList> nodes;
  private final ResourceInformer<V1ReplicaSet, V1ReplicaSetList> replicaSets;
  private final ResourceInformer<V1Job, V1JobList> jobs;
  private final List<ResourceInformer<?, ?>> all;
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
    LongSupplier clock = System::nanoTime;
    pods =
        new ResourceInformer<>(
            V1Pod.class,
            "pods",
            new PagedLists<>(
                new GenericKubernetesApi<>(V1Pod.class, V1PodList.class, "", "v1", "pods", client),
                NamingFields::pod,
                pageSize),
            NamingFields::pod,
            Map.of(
                BY_IP,
                ClusterIndexes::podIps,
                BY_UID,
                ClusterIndexes::podUid,
                BY_NODE_PORT,
                ClusterIndexes::hostNetworkPorts),
            timing,
            health,
            clock);
    services =
        new ResourceInformer<>(
            V1Service.class,
            "services",
            new PagedLists<>(
                new GenericKubernetesApi<>(
                    V1Service.class, V1ServiceList.class, "", "v1", "services", client),
                NamingFields::service,
                pageSize),
            NamingFields::service,
            Map.of(BY_IP, ClusterIndexes::serviceIps),
            timing,
            health,
            clock);
    nodes =
        new ResourceInformer<>(
            V1Node.class,
            "nodes",
            new PagedLists<>(
                new GenericKubernetesApi<>(
                    V1Node.class, V1NodeList.class, "", "v1", "nodes", client),
                NamingFields::node,
                pageSize),
            NamingFields::node,
            Map.of(BY_IP, ClusterIndexes::nodeIps),
            timing,
            health,
            clock);
    replicaSets =
        new ResourceInformer<>(
            V1ReplicaSet.class,
            "replicasets.apps",
            new PagedLists<>(
                new GenericKubernetesApi<>(
                    V1ReplicaSet.class,
                    V1ReplicaSetList.class,
                    "apps",
                    "v1",
                    "replicasets",
                    client),
                NamingFields::ownerOnly,
                pageSize),
            NamingFields::ownerOnly,
            Map.of(),
            timing,
            health,
            clock);
    jobs =
        new ResourceInformer<>(
            V1Job.class,
            "jobs.batch",
            new PagedLists<>(
                new GenericKubernetesApi<>(
                    V1Job.class, V1JobList.class, "batch", "v1", "jobs", client),
                NamingFields::ownerOnly,
                pageSize),
            NamingFields::ownerOnly,
            Map.of(),
            timing,
            health,
            clock);
    all = List.of(pods, services, nodes, replicaSets, jobs);
    background = Executors.newSingleThreadExecutor(DaemonThreads.named("chelonia-cgroups"));
    cgroups = new CgroupPods(cgroupRoot, background, clock, Duration.ofSeconds(1).toNanos());
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

  List<V1Pod> podsAt(String address) {
    return pods.byIndex(BY_IP, address);
  }

  List<V1Service> servicesAt(String address) {
    return services.byIndex(BY_IP, address);
  }

  List<V1Node> nodesAt(String address) {
    return nodes.byIndex(BY_IP, address);
  }

  Optional<V1Pod> podWithUid(String uid) {
    return pods.byIndex(BY_UID, uid).stream().findFirst();
  }

  /** hostNetwork pods on {@code node} that declare {@code port}. */
  List<V1Pod> hostNetworkPodsOn(String node, int port) {
    return pods.byIndex(BY_NODE_PORT, ClusterIndexes.nodePort(node, port));
  }

  /** The Node {@code name}, or null while it is not cached. */
  V1Node node(String name) {
    return nodes.get(name);
  }

  /** The ReplicaSet {@code namespace/name}, or null while it is not cached. */
  V1ReplicaSet replicaSet(String namespace, String name) {
    return replicaSets.get(namespace, name);
  }

  /** The Job {@code namespace/name}, or null while it is not cached. */
  V1Job job(String namespace, String name) {
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
}
