package io.chelonia.agent.identity.kubernetes;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.EndpointQuery;
import io.chelonia.agent.identity.NameSource;
import io.chelonia.agent.lifecycle.Closing;
import io.chelonia.agent.lifecycle.DaemonThreads;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1JobList;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeList;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.openapi.models.V1ReplicaSetList;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceList;
import io.kubernetes.client.openapi.models.V1ServiceSpec;
import io.kubernetes.client.util.CallGeneratorParams;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import io.kubernetes.client.util.Watchable;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import io.kubernetes.client.util.generic.options.ListOptions;
import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Names socket ends in the cluster's own terms, from the Kubernetes API: a pod's address is its
 * top owner (Deployment, StatefulSet, DaemonSet, CronJob, a custom resource such as an Argo
 * Rollout, or the Pod itself), a Service's cluster, external or load-balancer address is the
 * Service, a node's address is the Node (or, on this node, the hostNetwork pod behind the socket).
 * Anything else is left to the next source.
 *
 * <p>Pods, Services and Nodes, and the metadata of ReplicaSets and Jobs (the links from a pod to
 * its Deployment or CronJob), are listed once and then watched by shared informers; lookups read
 * their caches and never block. When the API server is away the caches keep the last known state,
 * the informers retry with growing waits, and failures are counted ({@link #errors()}).
 */
public final class KubernetesNames implements NameSource, AutoCloseable {
  static final String KIND_NODE = "Node";
  static final String KIND_POD = "Pod";
  static final String KIND_SERVICE = "Service";
  private static final String BY_IP = "ip";
  private static final String BY_UID = "uid";
  private static final String BY_NODE_PORT = "node-port";
  private static final String NONE = "None";

  private final Informed<V1Pod, V1PodList> pods;
  private final Informed<V1Service, V1ServiceList> services;
  private final Informed<V1Node, V1NodeList> nodes;
  private final Informed<V1ReplicaSet, V1ReplicaSetList> replicaSets;
  private final Informed<V1Job, V1JobList> jobs;
  private final List<Informed<?, ?>> all;
  private final CgroupPods cgroups;
  private final ApiHealth health;
  private final ScheduledExecutorService watchdog;
  private final ExecutorService background;

  private KubernetesNames(Builder builder) {
    ApiClient client = builder.client;
    // Watches are long-lived: the server ends them (timeoutSeconds), not a client read timeout.
    client.setReadTimeout(0);
    health = new ApiHealth();
    LongSupplier clock = System::nanoTime;
    Timing timing = builder.timing;
    pods = new Informed<>(V1Pod.class, "pods",
        listerWatcher(new GenericKubernetesApi<>(V1Pod.class, V1PodList.class, "", "v1", "pods", client)),
        Slim::pod, Map.of(BY_IP, KubernetesNames::podIps, BY_UID, pod -> List.of(pod.getMetadata().getUid()),
            BY_NODE_PORT, KubernetesNames::hostNetworkPorts),
        timing, health, clock);
    services = new Informed<>(V1Service.class, "services",
        listerWatcher(new GenericKubernetesApi<>(V1Service.class, V1ServiceList.class, "", "v1", "services", client)),
        Slim::service, Map.of(BY_IP, KubernetesNames::serviceIps), timing, health, clock);
    nodes = new Informed<>(V1Node.class, "nodes",
        listerWatcher(new GenericKubernetesApi<>(V1Node.class, V1NodeList.class, "", "v1", "nodes", client)),
        Slim::node, Map.of(BY_IP, KubernetesNames::nodeIps), timing, health, clock);
    replicaSets = new Informed<>(V1ReplicaSet.class, "replicasets.apps",
        listerWatcher(new GenericKubernetesApi<>(V1ReplicaSet.class, V1ReplicaSetList.class, "apps", "v1", "replicasets", client)),
        Slim::ownerOnly, Map.of(), timing, health, clock);
    jobs = new Informed<>(V1Job.class, "jobs.batch",
        listerWatcher(new GenericKubernetesApi<>(V1Job.class, V1JobList.class, "batch", "v1", "jobs", client)),
        Slim::ownerOnly, Map.of(), timing, health, clock);
    all = List.of(pods, services, nodes, replicaSets, jobs);
    background = Executors.newSingleThreadExecutor(DaemonThreads.named("chelonia-cgroups"));
    cgroups = new CgroupPods(builder.cgroupRoot, background, clock, Duration.ofSeconds(1).toNanos());
    watchdog = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("chelonia-kubernetes-watchdog"));
  }

  /** Names from the API server {@code client} talks to. */
  public static Builder builder(ApiClient client) {
    return new Builder(client);
  }

  /**
   * A client for this cluster: from {@code kubeconfig} when given, else the pod's service account
   * when running in a cluster, else the usual kubeconfig ($KUBECONFIG, ~/.kube/config).
   */
  public static ApiClient client(Optional<Path> kubeconfig) throws IOException {
    if (kubeconfig.isPresent()) {
      Path file = kubeconfig.get();
      try (Reader reader = Files.newBufferedReader(file)) {
        KubeConfig config = KubeConfig.loadKubeConfig(reader);
        config.setFile(file.toFile());
        return ClientBuilder.kubeconfig(config).build();
      }
    }
    if (System.getenv("KUBERNETES_SERVICE_HOST") != null) {
      return ClientBuilder.cluster().build();
    }
    return ClientBuilder.standard().build();
  }

  @Override
  public Optional<Endpoint> name(EndpointQuery query) {
    String address = query.address().getHostAddress();
    List<V1Pod> podsAt = pods.byIndex(BY_IP, address);
    if (!podsAt.isEmpty()) {
      return workloadOf(newest(podsAt));
    }
    List<V1Service> servicesAt = services.byIndex(BY_IP, address);
    if (!servicesAt.isEmpty()) {
      V1ObjectMeta service = servicesAt.getFirst().getMetadata();
      return Optional.of(new Endpoint(service.getNamespace(), KIND_SERVICE, service.getName()));
    }
    List<V1Node> nodesAt = nodes.byIndex(BY_IP, address);
    if (!nodesAt.isEmpty()) {
      return onNode(nodesAt.getFirst().getMetadata().getName(), query);
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
        if (!cgroups.knows(query.cgroupId())) {
          return Optional.empty();
        }
        Optional<V1Pod> pod = cgroups.podUid(query.cgroupId())
            .flatMap(uid -> pods.byIndex(BY_UID, uid).stream().findFirst());
        if (pod.isPresent()) {
          return workloadOf(pod.get());
        }
      }
      List<V1Pod> listening = pods.byIndex(BY_NODE_PORT, node + "/" + query.port());
      if (!listening.isEmpty()) {
        return workloadOf(listening.getFirst());
      }
    }
    return Optional.of(new Endpoint(Endpoint.NAMESPACE_NODE, KIND_NODE, node));
  }

  /**
   * The pod's top owner, one level above a ReplicaSet or Job (their owner, when they have one, is
   * what people deploy: Deployment, Rollout, CronJob); empty while that owner is not in the cache
   * yet, so the end is asked again rather than named after the intermediate object for good.
   */
  private Optional<Endpoint> workloadOf(V1Pod pod) {
    V1ObjectMeta meta = pod.getMetadata();
    String namespace = meta.getNamespace();
    V1OwnerReference owner = controllerOf(meta);
    Endpoint workload;
    if (owner == null) {
      workload = new Endpoint(namespace, KIND_POD, meta.getName());
    } else {
      Informed<?, ?> parents = switch (owner.getKind()) {
        case "ReplicaSet" -> replicaSets;
        case "Job" -> jobs;
        default -> null;
      };
      if (parents == null) {
        workload = new Endpoint(namespace, owner.getKind(), owner.getName());
      } else {
        KubernetesObject parent = parents.get(namespace, owner.getName());
        if (parent == null) {
          return Optional.empty();
        }
        V1OwnerReference top = controllerOf(parent.getMetadata());
        workload = top == null
            ? new Endpoint(namespace, owner.getKind(), owner.getName())
            : new Endpoint(namespace, top.getKind(), top.getName());
      }
    }
    return Optional.of(workload.withPod(meta.getName()));
  }

  private static V1OwnerReference controllerOf(V1ObjectMeta meta) {
    List<V1OwnerReference> owners = meta.getOwnerReferences();
    if (owners == null || owners.isEmpty()) {
      return null;
    }
    return owners.stream().filter(o -> Boolean.TRUE.equals(o.getController())).findFirst()
        .orElse(owners.getFirst());
  }

  /** Two pods can hold one address for a moment (one ending, one starting): the running, newest. */
  private static V1Pod newest(List<V1Pod> candidates) {
    if (candidates.size() == 1) {
      return candidates.getFirst();
    }
    return candidates.stream()
        .max(Comparator.<V1Pod, Boolean>comparing(KubernetesNames::isRunning)
            .thenComparing(pod -> pod.getMetadata().getCreationTimestamp(),
                Comparator.nullsFirst(Comparator.naturalOrder())))
        .orElseThrow();
  }

  private static boolean isRunning(V1Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return !"Succeeded".equals(phase) && !"Failed".equals(phase);
  }

  /** Failed calls to the API server and failed watches since the start. */
  public long errors() {
    return health.errors();
  }

  /** Whether every kind has been listed at least once. */
  public boolean hasSynced() {
    return all.stream().allMatch(Informed::hasSynced);
  }

  /** Informers restarted by the watchdog. */
  long restarts() {
    return all.stream().mapToLong(Informed::restarts).sum();
  }

  @Override
  public void close() {
    List<AutoCloseable> steps = new ArrayList<>(List.of(watchdog::shutdownNow, background::shutdownNow));
    all.forEach(informer -> steps.add(informer::stop));
    Closing.closeAll(steps.toArray(AutoCloseable[]::new));
  }

  private KubernetesNames start(Duration watchdogPeriod) {
    all.forEach(Informed::start);
    long period = watchdogPeriod.toMillis();
    watchdog.scheduleWithFixedDelay(
        () -> all.forEach(Informed::check), period, period, TimeUnit.MILLISECONDS);
    return this;
  }

  // --- indexes: every address in the canonical text form of InetAddress.getHostAddress() -------

  private static List<String> podIps(V1Pod pod) {
    if (Boolean.TRUE.equals(pod.getSpec().getHostNetwork()) || pod.getStatus() == null
        || pod.getStatus().getPodIPs() == null) {
      return List.of(); // a hostNetwork pod's address is its node's
    }
    return pod.getStatus().getPodIPs().stream().map(ip -> canonical(ip.getIp())).toList();
  }

  private static List<String> hostNetworkPorts(V1Pod pod) {
    if (!Boolean.TRUE.equals(pod.getSpec().getHostNetwork()) || pod.getSpec().getNodeName() == null) {
      return List.of();
    }
    return pod.getSpec().getContainers().stream()
        .filter(container -> container.getPorts() != null)
        .flatMap(container -> container.getPorts().stream())
        .map(port -> pod.getSpec().getNodeName() + "/" + port.getContainerPort())
        .distinct()
        .toList();
  }

  private static List<String> serviceIps(V1Service service) {
    V1ServiceSpec spec = service.getSpec();
    List<String> addresses = new ArrayList<>();
    if (spec != null) {
      addAll(addresses, spec.getClusterIPs());
      addAll(addresses, spec.getExternalIPs());
    }
    if (service.getStatus() != null && service.getStatus().getLoadBalancer() != null
        && service.getStatus().getLoadBalancer().getIngress() != null) {
      service.getStatus().getLoadBalancer().getIngress().forEach(ingress -> {
        if (ingress.getIp() != null) {
          addresses.add(canonical(ingress.getIp()));
        }
      });
    }
    return addresses;
  }

  private static void addAll(List<String> addresses, List<String> ips) {
    if (ips != null) {
      ips.stream().filter(ip -> !ip.isEmpty() && !ip.equals(NONE)).map(KubernetesNames::canonical)
          .forEach(addresses::add);
    }
  }

  private static List<String> nodeIps(V1Node node) {
    if (node.getStatus() == null || node.getStatus().getAddresses() == null) {
      return List.of();
    }
    return node.getStatus().getAddresses().stream()
        .filter(address -> address.getType().endsWith("IP")) // InternalIP, ExternalIP; not Hostname
        .map(address -> canonical(address.getAddress()))
        .toList();
  }

  /** Kubernetes writes {@code 2001:db8::1}; the kernel's address prints {@code 2001:db8:0:0:0:0:0:1}. */
  static String canonical(String ip) {
    try {
      return InetAddress.ofLiteral(ip).getHostAddress();
    } catch (IllegalArgumentException e) {
      return ip;
    }
  }

  private static <T extends KubernetesObject, L extends KubernetesListObject>
      ListerWatcher<T, L> listerWatcher(GenericKubernetesApi<T, L> api) {
    return new ListerWatcher<>() {
      @Override
      public L list(CallGeneratorParams params) throws ApiException {
        return api.list(options(params)).throwsApiException().getObject();
      }

      @Override
      public Watchable<T> watch(CallGeneratorParams params) throws ApiException {
        return api.watch(options(params));
      }
    };
  }

  private static ListOptions options(CallGeneratorParams params) {
    ListOptions options = new ListOptions();
    options.setResourceVersion(params.resourceVersion);
    options.setTimeoutSeconds(params.timeoutSeconds);
    return options;
  }

  /** Builds a {@link KubernetesNames}: settings are checked here, informers start on {@link #start}. */
  public static final class Builder {
    private final ApiClient client;
    private Path cgroupRoot = Path.of("/sys/fs/cgroup");
    private Timing timing = Timing.DEFAULT;
    private Duration watchdogPeriod = Duration.ofSeconds(30);

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
    Builder timing(Duration watchTimeout, Duration staleAfter, Duration watchdogPeriod,
        Duration retryMin, Duration retryMax) {
      this.timing = new Timing(watchTimeout, staleAfter, retryMin, retryMax);
      if (watchdogPeriod.isNegative() || watchdogPeriod.isZero()) {
        throw new IllegalArgumentException("watchdog period must be positive: " + watchdogPeriod);
      }
      this.watchdogPeriod = watchdogPeriod;
      return this;
    }

    /** Starts listing and watching in the background; names come as the caches fill. */
    public KubernetesNames start() {
      return new KubernetesNames(this).start(watchdogPeriod);
    }
  }
}
