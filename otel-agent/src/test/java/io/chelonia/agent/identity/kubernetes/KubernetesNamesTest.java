package io.chelonia.agent.identity.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.EndpointQuery;
import io.chelonia.agent.identity.ResolverChain;
import io.chelonia.agent.kernel.KernelCounters;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkTable;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.link.PortRange;
import io.chelonia.agent.testing.ChartServiceAccount;
import io.chelonia.agent.testing.ClusterObjects;
import io.chelonia.agent.testing.KubernetesApiServer;
import io.chelonia.agent.testing.Sockets;
import io.chelonia.agent.tracing.SocketPoll;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Names from a real API server (etcd + kube-apiserver), read through the official client's
 * informers as the agent reads them, with exactly the rights the chart gives the agent. Each test
 * makes its objects in a namespace of its own, at addresses no other test uses.
 */
class KubernetesNamesTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** The other end of the queried connections; Kubernetes names do not depend on it. */
  private static final InetAddress PEER = InetAddress.ofLiteral("198.51.100.7");

  private static KubernetesApiServer api;
  private static ClusterObjects cluster;
  private static Path agentKubeconfig;

  @TempDir Path cgroupRoot;
  private String ns;
  private KubernetesNames names;

  @BeforeAll
  static void startApiServer() {
    api = KubernetesApiServer.start();
    cluster = new ClusterObjects(api.admin());
    agentKubeconfig = ChartServiceAccount.create(api).kubeconfig(api);
  }

  @AfterAll
  static void stopApiServer() {
    if (api != null) {
      api.close();
    }
  }

  @BeforeEach
  void namespace(TestInfo test) {
    ns = "t-" + Integer.toHexString(test.getDisplayName().hashCode());
    api.createNamespace(ns, Map.of());
  }

  @AfterEach
  void stop() {
    if (names != null) {
      names.close();
    }
  }

  /** The agent's naming, with the chart's rights. */
  private KubernetesNames start() {
    names = AgentNames.start(agentKubeconfig, cgroupRoot);
    await("informers synced", names::hasSynced);
    // Every kind listed and watched with the chart's ClusterRole: nothing refused.
    assertThat(names.errors()).as("failed calls with the chart's ClusterRole").isZero();
    return names;
  }

  // --- workloads -------------------------------------------------------------------------------

  @Test
  void podOfReplicaSetOfDeploymentIsTheDeployment() {
    Pod pod = cluster.deploymentPod(ns, "checkout", "198.19.1.5", "2001:db8:1::5");

    start();

    Endpoint checkout = workload("Deployment", "checkout", pod);
    assertThat(named("198.19.1.5")).contains(checkout);
    assertThat(named("2001:db8:1:0:0:0:0:5")).contains(checkout);
  }

  @Test
  void podOfJobOfCronJobIsTheCronJobAndAJobOfItsOwnIsTheJob() {
    Pod report = cluster.cronJobPod(ns, "report", "198.19.1.6");
    Pod migrate = cluster.jobPod(ns, "migrate", null, "198.19.1.7");

    start();

    assertThat(named("198.19.1.6")).contains(workload("CronJob", "report", report));
    assertThat(named("198.19.1.7")).contains(workload("Job", "migrate", migrate));
  }

  @Test
  void statefulSetDaemonSetBarePodAndCustomOwnersKeepTheirKind() {
    Pod db = cluster.statefulSetPod(ns, "db", "198.19.1.8");
    Pod agent = cluster.daemonSetPod(ns, "agent", "198.19.1.9");
    Pod debug = cluster.runningPod(ns, "debug", null, "198.19.1.10");
    // An Argo Rollout's ReplicaSet: a custom resource the agent cannot read, named from the
    // ReplicaSet's owner reference.
    HasMetadata rollout =
        new GenericKubernetesResourceBuilder()
            .withApiVersion("argoproj.io/v1alpha1")
            .withKind("Rollout")
            .withNewMetadata()
            .withName("web")
            .withUid(UUID.randomUUID().toString())
            .endMetadata()
            .build();
    HasMetadata replicaSet = cluster.replicaSet(ns, "web-5c6b", rollout);
    Pod web = cluster.runningPod(ns, "web-5c6b-q", replicaSet, "198.19.1.11");

    start();

    assertThat(named("198.19.1.8")).contains(workload("StatefulSet", "db", db));
    assertThat(named("198.19.1.9")).contains(workload("DaemonSet", "agent", agent));
    assertThat(named("198.19.1.10")).contains(workload("Pod", "debug", debug));
    assertThat(named("198.19.1.11")).contains(workload("Rollout", "web", web));
  }

  // --- services and nodes ----------------------------------------------------------------------

  @Test
  void serviceIsNamedByEachClusterIpExternalIpAndLoadBalancerIp() {
    Service dualStack = cluster.dualStackService(ns, "checkout");
    Service balanced =
        cluster.create(
            new ServiceBuilder()
                .withNewMetadata()
                .withName("front")
                .withNamespace(ns)
                .endMetadata()
                .withNewSpec()
                .withType("LoadBalancer")
                .withExternalIPs("198.19.3.7")
                .addNewPort()
                .withPort(443)
                .endPort()
                .endSpec()
                .build());
    balanced
        .getStatus()
        .getLoadBalancer()
        .setIngress(List.of(new LoadBalancerIngressBuilder().withIp("198.19.3.8").build()));
    api.admin().resource(balanced).updateStatus();
    cluster.create(
        new ServiceBuilder()
            .withNewMetadata()
            .withName("headless")
            .withNamespace(ns)
            .endMetadata()
            .withNewSpec()
            .withClusterIP("None")
            .endSpec()
            .build());

    start();

    // The cluster IPs are the API server's choice, one of each family from its ranges.
    List<String> clusterIps = dualStack.getSpec().getClusterIPs();
    assertThat(clusterIps)
        .satisfiesExactly(
            v4 -> assertThat(v4).startsWith("198.19.200."),
            v6 -> assertThat(v6).startsWith("2001:db8:5e::"));
    for (String ip : clusterIps) {
      assertThat(named(ip)).as(ip).contains(new Endpoint(ns, "Service", "checkout"));
    }
    Endpoint front = new Endpoint(ns, "Service", "front");
    assertThat(named(balanced.getSpec().getClusterIP())).contains(front);
    assertThat(named("198.19.3.7")).contains(front);
    assertThat(named("198.19.3.8")).contains(front);
  }

  @Test
  void nodeAddressIsTheNodeAndUnknownAddressesAreLeftToTheNextSource() {
    cluster.node("worker-1", "198.19.2.11", "2001:db8:2::11");

    start();

    Endpoint node = new Endpoint("node", "Node", "worker-1");
    assertThat(named("198.19.2.11")).contains(node);
    assertThat(named("2001:db8:2::11")).contains(node);
    assertThat(named("198.19.2.99")).isEmpty();
    assertThat(named("8.8.8.8")).isEmpty();
  }

  @Test
  void hostNetworkPodOnThisNodeIsNamedByItsCgroupOrListeningPortElseTheNode() throws Exception {
    cluster.node("worker-2", "198.19.2.12");
    HasMetadata exporterSet = cluster.daemonSet(ns, "node-exporter");
    Pod exporterPod =
        cluster.create(
            new PodBuilder()
                .withNewMetadata()
                .withName("node-exporter-abc")
                .withNamespace(ns)
                .withOwnerReferences(ClusterObjects.controller(exporterSet))
                .endMetadata()
                .withNewSpec()
                .withHostNetwork(true)
                .withNodeName("worker-2")
                .addNewContainer()
                .withName("exporter")
                .withImage("registry.invalid/exporter:1")
                .withPorts(new ContainerPortBuilder().withContainerPort(9100).build())
                .endContainer()
                .endSpec()
                .build());
    exporterPod.setStatus(
        new PodStatusBuilder()
            .withPhase("Running")
            .withPodIP("198.19.2.12")
            .addNewPodIP()
            .withIp("198.19.2.12")
            .endPodIP()
            .build());
    api.admin().resource(exporterPod).updateStatus();
    String uid = exporterPod.getMetadata().getUid();
    // The kubelet's systemd layout: the pod's UID, dashes as underscores, in the slice's name.
    Path container =
        Files.createDirectories(
            cgroupRoot.resolve(
                "kubepods.slice/kubepods-besteffort.slice/"
                    + "kubepods-besteffort-pod"
                    + uid.replace('-', '_')
                    + ".slice/cri-containerd-0123abcd.scope"));
    Path kubelet = Files.createDirectories(cgroupRoot.resolve("system.slice/kubelet.service"));

    start();

    Endpoint exporter = new Endpoint(ns, "DaemonSet", "node-exporter", "node-exporter-abc", "");
    Endpoint node = new Endpoint("node", "Node", "worker-2");
    // A socket of the exporter's cgroup: unknown until the cgroups are walked, then the pod.
    EndpointQuery fromExporter = local("198.19.2.12", 41000, inode(container));
    await("exporter's cgroup known", () -> names.name(fromExporter).isPresent());
    assertThat(names.name(fromExporter)).contains(exporter);
    // A UDP socket of that cgroup bound to no address (never connected): its pod by the cgroup.
    assertThat(names.name(local("0.0.0.0", 41001, inode(container)))).contains(exporter);
    assertThat(names.name(local("::", 41001, inode(container)))).contains(exporter);
    // The kubelet's socket is in no pod: the node.
    EndpointQuery fromKubelet = local("198.19.2.12", 42000, inode(kubelet));
    await("kubelet's cgroup known", () -> names.name(fromKubelet).isPresent());
    assertThat(names.name(fromKubelet)).contains(node);
    // A cgroup no walk finds (gone, or no cgroup v2 here): no pod's, the node.
    EndpointQuery fromNowhere = local("198.19.2.12", 43000, 424_242_424L);
    await("missing cgroup given up", () -> names.name(fromNowhere).isPresent());
    assertThat(names.name(fromNowhere)).contains(node);
    // Accepted on the exporter's port, no cgroup recorded: the owner of the listening port.
    assertThat(names.name(local("198.19.2.12", 9100, 0))).contains(exporter);
    assertThat(names.name(local("198.19.2.12", 22, 0))).contains(node);
    // A client that happens to connect from that port number is not the exporter.
    assertThat(
            names.name(
                new EndpointQuery(
                    InetAddress.ofLiteral("198.19.2.12"),
                    true,
                    0,
                    "",
                    0,
                    0,
                    9100,
                    false,
                    PEER,
                    443)))
        .contains(node);
    // The far end of a socket with the node's address: the node.
    assertThat(named("198.19.2.12")).contains(node);
  }

  // --- through the link table -------------------------------------------------------------------

  @Test
  void podIpGivenToANewPodNamesNewSocketsOnlyOldOnesKeepTheOldName() {
    Pod cart = cluster.statefulSetPod(ns, "cart", "198.19.1.30");
    start();
    LinkTable table = table();
    Sockets old = Sockets.client("198.19.1.2", 40000, "198.19.1.30", 6379).established();
    poll(table, old.sent(100));

    api.admin().resource(cart).withGracePeriod(0).delete();
    await("old pod gone", () -> named("198.19.1.30").isEmpty());
    cluster.statefulSetPod(ns, "payments", "198.19.1.30");
    await("new pod seen", () -> named("198.19.1.30").isPresent());
    Sockets fresh = Sockets.client("198.19.1.2", 40001, "198.19.1.30", 6379).established();
    poll(table, old.sent(250), fresh.sent(70));

    assertThat(server(table, "cart").totals().bytesClientToServer()).isEqualTo(250);
    assertThat(server(table, "payments").totals().bytesClientToServer()).isEqualTo(70);
  }

  @Test
  void podCreatedAfterTheAgentStartedIsNamedOnceTheWatchBringsIt() {
    start();
    LinkTable table = table();
    Sockets conn = Sockets.client("198.19.1.2", 40000, "198.19.1.40", 8080).established();
    poll(table, conn.sent(10));
    assertThat(onlyLink(table).key().server()).isEqualTo(Endpoint.external("198.19.1.40"));

    Pod pod = cluster.deploymentPod(ns, "api", "198.19.1.40");
    await("pod watched", () -> named("198.19.1.40").isPresent());
    poll(table, conn.sent(30));

    Link named = server(table, "api");
    assertThat(named.key().server()).isEqualTo(workload("Deployment", "api", pod));
    assertThat(named.totals().bytesClientToServer()).isEqualTo(20);
    assertThat(named.totals().activeConnections()).isEqualTo(1);
  }

  @Test
  void podWhoseWatchEventComesAfterItsFirstPacketIsOneLinkWithEveryByte() {
    cluster.statefulSetPod(ns, "web", "198.19.1.42");
    start();
    LinkTable table = new LinkTable(new ResolverChain(List.of(names)), new PortRange(32768, 60999));
    Sockets conn = Sockets.client("198.19.1.42", 40000, "198.19.1.41", 8080).established();
    poll(table, conn.sent(10));
    assertThat(table.links()).as("waiting for the server's name").isEmpty();

    Pod api = cluster.statefulSetPod(ns, "api", "198.19.1.41");
    await("pod watched", () -> named("198.19.1.41").isPresent());
    poll(table, conn.sent(30));

    assertThat(table.links())
        .singleElement()
        .satisfies(
            link -> {
              assertThat(link.key().server()).isEqualTo(workload("StatefulSet", "api", api));
              assertThat(link.totals().bytesClientToServer()).isEqualTo(30);
            });
    assertThat(table.counters().namingFallbacks()).isZero();
  }

  // --- helpers ----------------------------------------------------------------------------------

  @Test
  void podsListedInPagesAreAllNamed() throws Exception {
    List<Pod> pods =
        List.of(
            cluster.deploymentPod(ns, "a", "198.19.5.1"),
            cluster.statefulSetPod(ns, "b", "198.19.5.2"),
            cluster.daemonSetPod(ns, "c", "198.19.5.3"),
            cluster.runningPod(ns, "d", null, "198.19.5.4"),
            cluster.cronJobPod(ns, "e", "198.19.5.5"));
    int inCluster = api.admin().pods().inAnyNamespace().list().getItems().size();
    long listsBefore = podLists();

    names =
        KubernetesNames.builder(KubernetesClients.forCluster(Optional.of(agentKubeconfig)))
            .cgroupRoot(cgroupRoot)
            .pageSize(2)
            .start();
    await("informers synced", names::hasSynced);

    // One call per page of two (the server counts a call once it has answered it), and none of
    // the pods of a later page is lost.
    long pages = (inCluster + 1) / 2;
    await("every page counted", () -> podLists() - listsBefore >= pages);
    assertThat(podLists() - listsBefore).isEqualTo(pages);
    assertThat(named("198.19.5.1")).contains(workload("Deployment", "a", pods.get(0)));
    assertThat(named("198.19.5.2")).contains(workload("StatefulSet", "b", pods.get(1)));
    assertThat(named("198.19.5.3")).contains(workload("DaemonSet", "c", pods.get(2)));
    assertThat(named("198.19.5.4")).contains(workload("Pod", "d", pods.get(3)));
    assertThat(named("198.19.5.5")).contains(workload("CronJob", "e", pods.get(4)));
  }

  /** The cluster-wide lists of pods the API server has answered since it started. */
  private static long podLists() {
    return api.get("/metrics")
        .lines()
        .filter(line -> line.startsWith("apiserver_request_total{"))
        .filter(line -> line.contains("resource=\"pods\""))
        .filter(line -> line.contains("scope=\"cluster\""))
        .filter(line -> line.contains("verb=\"LIST\""))
        .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }

  private Optional<Endpoint> named(String address) {
    return names.name(
        new EndpointQuery(InetAddress.ofLiteral(address), false, 0, "", 0, 0, 0, false, PEER, 0));
  }

  /** The node's end of a connection accepted on {@code port}. */
  private static EndpointQuery local(String address, int port, long cgroupId) {
    return new EndpointQuery(
        InetAddress.ofLiteral(address), true, 0, "", cgroupId, 0, port, true, PEER, 41000);
  }

  private static long inode(Path dir) throws Exception {
    return ((Number) Files.getAttribute(dir, "unix:ino")).longValue();
  }

  private Endpoint workload(String kind, String name, Pod pod) {
    return new Endpoint(ns, kind, name, pod.getMetadata().getName(), "");
  }

  /** Counts sockets at first sight: these tests are about names after the naming wait. */
  private LinkTable table() {
    return new LinkTable(new ResolverChain(List.of(names)), new PortRange(32768, 60999), 0);
  }

  private static void poll(LinkTable table, Sockets... sockets) {
    table.apply(
        new SocketPoll(
            Instant.now(),
            Arrays.stream(sockets).map(Sockets::build).toList(),
            List.of(),
            KernelCounters.NONE,
            1,
            Duration.ofMillis(1),
            true));
  }

  private static Link onlyLink(LinkTable table) {
    assertThat(table.links()).hasSize(1);
    return table.links().getFirst();
  }

  private static Link server(LinkTable table, String workload) {
    return table.links().stream()
        .filter(link -> link.key().observer() == Observer.CLIENT)
        .filter(link -> link.key().server().name().equals(workload))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no link to " + workload + ": " + table.links()));
  }

  static void await(String what, BooleanSupplier condition) {
    await(what, WAIT, condition);
  }

  static void await(String what, Duration wait, BooleanSupplier condition) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + wait.toSeconds() + " s: " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what, e);
      }
    }
  }
}
