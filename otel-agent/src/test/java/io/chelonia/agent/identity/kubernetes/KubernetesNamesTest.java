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
import io.chelonia.agent.testing.FakeApiServer;
import io.chelonia.agent.testing.Sockets;
import io.chelonia.agent.tracing.SocketPoll;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.kubernetes.client.util.ClientBuilder;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Names from a fake API server that speaks the real REST and watch protocol, read through the
 * official client's informers, as the agent reads them.
 */
class KubernetesNamesTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  /** The other end of the queried connections; Kubernetes names do not depend on it. */
  private static final InetAddress PEER = InetAddress.ofLiteral("198.51.100.7");

  private static final String NS = "shop";

  @TempDir Path cgroupRoot;
  private FakeApiServer api;
  private KubernetesNames names;

  @BeforeEach
  void startApiServer() {
    api = FakeApiServer.start();
  }

  @AfterEach
  void stop() {
    if (names != null) {
      names.close();
    }
    api.close();
  }

  /** Production-like watches; retries quick, so a restarted server is found within a second. */
  private KubernetesNames start() {
    return start(Duration.ofSeconds(60), Duration.ofSeconds(150));
  }

  private KubernetesNames start(Duration watchTimeout, Duration staleAfter) {
    names =
        KubernetesNames.builder(new ClientBuilder().setBasePath(api.url()).build())
            .cgroupRoot(cgroupRoot)
            .timing(
                watchTimeout,
                staleAfter,
                Duration.ofMillis(200),
                Duration.ofMillis(50),
                Duration.ofMillis(400))
            .start();
    await("informers synced", names::hasSynced);
    await("watches open", () -> api.openWatches() == 5);
    return names;
  }

  // --- workloads -------------------------------------------------------------------------------

  @Test
  void podOfReplicaSetOfDeploymentIsTheDeployment() {
    replicaSet("checkout-7d9f", owner("Deployment", "checkout"));
    pod("checkout-7d9f-abcde", owner("ReplicaSet", "checkout-7d9f"), "10.1.0.5", "fd00:10:1::5");

    start();

    assertThat(named("10.1.0.5"))
        .contains(workload("Deployment", "checkout", "checkout-7d9f-abcde"));
    assertThat(named("fd00:10:1:0:0:0:0:5"))
        .contains(workload("Deployment", "checkout", "checkout-7d9f-abcde"));
  }

  @Test
  void podOfJobOfCronJobIsTheCronJob() {
    job("report-28911", owner("CronJob", "report"));
    pod("report-28911-x1", owner("Job", "report-28911"), "10.1.0.6");
    job("migrate", null);
    pod("migrate-z9", owner("Job", "migrate"), "10.1.0.7");

    start();

    assertThat(named("10.1.0.6")).contains(workload("CronJob", "report", "report-28911-x1"));
    assertThat(named("10.1.0.7")).contains(workload("Job", "migrate", "migrate-z9"));
  }

  @Test
  void statefulSetDaemonSetBarePodAndCustomOwnersKeepTheirKind() {
    pod("db-0", owner("StatefulSet", "db"), "10.1.0.8");
    pod("agent-x7", owner("DaemonSet", "agent"), "10.1.0.9");
    pod("debug", null, "10.1.0.10");
    replicaSet("web-5c6b", owner("Rollout", "web"));
    pod("web-5c6b-q", owner("ReplicaSet", "web-5c6b"), "10.1.0.11");

    start();

    assertThat(named("10.1.0.8")).contains(workload("StatefulSet", "db", "db-0"));
    assertThat(named("10.1.0.9")).contains(workload("DaemonSet", "agent", "agent-x7"));
    assertThat(named("10.1.0.10")).contains(workload("Pod", "debug", "debug"));
    assertThat(named("10.1.0.11")).contains(workload("Rollout", "web", "web-5c6b-q"));
  }

  // --- services and nodes ----------------------------------------------------------------------

  @Test
  void serviceIsNamedByEachClusterIpExternalIpAndLoadBalancerIp() {
    create(
        new ServiceBuilder()
            .withNewMetadata()
            .withName("checkout")
            .withNamespace(NS)
            .endMetadata()
            .withNewSpec()
            .withClusterIP("10.96.0.20")
            .withClusterIPs("10.96.0.20", "fd00:96::20")
            .withExternalIPs("203.0.113.7")
            .withType("LoadBalancer")
            .endSpec()
            .withNewStatus()
            .withNewLoadBalancer()
            .addNewIngress()
            .withIp("203.0.113.8")
            .endIngress()
            .endLoadBalancer()
            .endStatus()
            .build());
    create(
        new ServiceBuilder()
            .withNewMetadata()
            .withName("headless")
            .withNamespace(NS)
            .endMetadata()
            .withNewSpec()
            .withClusterIP("None")
            .withClusterIPs("None")
            .endSpec()
            .build());

    start();

    Endpoint service = new Endpoint(NS, "Service", "checkout");
    for (String ip : List.of("10.96.0.20", "fd00:96::20", "203.0.113.7", "203.0.113.8")) {
      assertThat(named(ip)).as(ip).contains(service);
    }
  }

  @Test
  void nodeAddressIsTheNodeAndUnknownAddressesAreLeftToTheNextSource() {
    node("worker-1", "192.0.2.11", "2001:db8:2::11");

    start();

    Endpoint node = new Endpoint("node", "Node", "worker-1");
    assertThat(named("192.0.2.11")).contains(node);
    assertThat(named("2001:db8:2::11")).contains(node);
    assertThat(named("192.0.2.99")).isEmpty();
    assertThat(named("8.8.8.8")).isEmpty();
  }

  @Test
  void hostNetworkPodOnThisNodeIsNamedByItsCgroupOrListeningPortElseTheNode() throws Exception {
    node("worker-1", "192.0.2.11");
    String uid =
        create(
                new PodBuilder()
                    .withNewMetadata()
                    .withName("node-exporter-abc")
                    .withNamespace("monitoring")
                    .withOwnerReferences(owner("DaemonSet", "node-exporter"))
                    .endMetadata()
                    .withNewSpec()
                    .withHostNetwork(true)
                    .withNodeName("worker-1")
                    .addNewContainer()
                    .withName("exporter")
                    .withImage("exporter")
                    .withPorts(new ContainerPortBuilder().withContainerPort(9100).build())
                    .endContainer()
                    .endSpec()
                    .withNewStatus()
                    .withPodIP("192.0.2.11")
                    .addNewPodIP()
                    .withIp("192.0.2.11")
                    .endPodIP()
                    .withPhase("Running")
                    .endStatus()
                    .build())
            .getMetadata()
            .getUid();
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

    Endpoint exporter =
        new Endpoint("monitoring", "DaemonSet", "node-exporter", "node-exporter-abc", "");
    Endpoint node = new Endpoint("node", "Node", "worker-1");
    // A socket of the exporter's cgroup: unknown until the cgroups are walked, then the pod.
    EndpointQuery fromExporter = local("192.0.2.11", 41000, inode(container));
    await("exporter's cgroup known", () -> names.name(fromExporter).isPresent());
    assertThat(names.name(fromExporter)).contains(exporter);
    // The kubelet's socket is in no pod: the node.
    EndpointQuery fromKubelet = local("192.0.2.11", 42000, inode(kubelet));
    await("kubelet's cgroup known", () -> names.name(fromKubelet).isPresent());
    assertThat(names.name(fromKubelet)).contains(node);
    // A cgroup no walk finds (gone, or no cgroup v2 here): no pod's, the node.
    EndpointQuery fromNowhere = local("192.0.2.11", 43000, 424_242_424L);
    await("missing cgroup given up", () -> names.name(fromNowhere).isPresent());
    assertThat(names.name(fromNowhere)).contains(node);
    // Accepted on the exporter's port, no cgroup recorded: the owner of the listening port.
    assertThat(names.name(local("192.0.2.11", 9100, 0))).contains(exporter);
    assertThat(names.name(local("192.0.2.11", 22, 0))).contains(node);
    // A client that happens to connect from that port number is not the exporter.
    assertThat(
            names.name(
                new EndpointQuery(
                    InetAddress.ofLiteral("192.0.2.11"),
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
    assertThat(named("192.0.2.11")).contains(node);
  }

  // --- through the link table -------------------------------------------------------------------

  @Test
  void podIpGivenToANewPodNamesNewSocketsOnlyOldOnesKeepTheOldName() {
    pod("cart-1", owner("StatefulSet", "cart"), "10.1.0.30");
    start();
    LinkTable table = table();
    Sockets old = Sockets.client("10.1.0.2", 40000, "10.1.0.30", 6379).established();
    poll(table, old.sent(100));

    api.objects().pods().inNamespace(NS).withName("cart-1").delete();
    await("old pod gone", () -> named("10.1.0.30").isEmpty());
    pod("payments-1", owner("StatefulSet", "payments"), "10.1.0.30");
    await("new pod seen", () -> named("10.1.0.30").isPresent());
    Sockets fresh = Sockets.client("10.1.0.2", 40001, "10.1.0.30", 6379).established();
    poll(table, old.sent(250), fresh.sent(70));

    assertThat(server(table, "cart").totals().bytesClientToServer()).isEqualTo(250);
    assertThat(server(table, "payments").totals().bytesClientToServer()).isEqualTo(70);
  }

  @Test
  void addressSeenBeforeItsPodIsNamedOnceTheWatchBringsThePod() {
    start();
    LinkTable table = table();
    Sockets conn = Sockets.client("10.1.0.2", 40000, "10.1.0.40", 8080).established();
    poll(table, conn.sent(10));
    assertThat(onlyLink(table).key().server()).isEqualTo(Endpoint.external("10.1.0.40"));

    replicaSet("api-6f", owner("Deployment", "api"));
    pod("api-6f-k", owner("ReplicaSet", "api-6f"), "10.1.0.40");
    await("pod watched", () -> named("10.1.0.40").isPresent());
    poll(table, conn.sent(30));

    Link named = server(table, "api");
    assertThat(named.key().server())
        .isEqualTo(new Endpoint(NS, "Deployment", "api", "api-6f-k", ""));
    assertThat(named.totals().bytesClientToServer()).isEqualTo(20);
    assertThat(named.totals().activeConnections()).isEqualTo(1);
  }

  @Test
  void podWhoseWatchEventComesAfterItsFirstPacketIsOneLinkWithEveryByte() {
    pod("web-1", owner("StatefulSet", "web"), "10.1.0.2");
    start();
    LinkTable table = new LinkTable(new ResolverChain(List.of(names)), new PortRange(32768, 60999));
    Sockets conn = Sockets.client("10.1.0.2", 40000, "10.1.0.41", 8080).established();
    poll(table, conn.sent(10));
    assertThat(table.links()).as("waiting for the server's name").isEmpty();

    pod("api-1", owner("StatefulSet", "api"), "10.1.0.41");
    await("pod watched", () -> named("10.1.0.41").isPresent());
    poll(table, conn.sent(30));

    assertThat(table.links())
        .singleElement()
        .satisfies(
            link -> {
              assertThat(link.key().server()).isEqualTo(workload("StatefulSet", "api", "api-1"));
              assertThat(link.totals().bytesClientToServer()).isEqualTo(30);
            });
    assertThat(table.counters().namingFallbacks()).isZero();
  }

  // --- the API server away ----------------------------------------------------------------------

  @Test
  void apiServerStoppedKeepsTheLastStateCountsErrorsAndChangesAfterItsRestartAreSeen() {
    pod("cart-1", owner("StatefulSet", "cart"), "10.1.0.30");
    start();
    assertThat(names.errors()).isZero();

    api.stop();
    await("failures counted", () -> names.errors() >= 3);
    assertThat(named("10.1.0.30")).contains(workload("StatefulSet", "cart", "cart-1"));

    api.objects().pods().inNamespace(NS).withName("cart-1").delete();
    pod("orders-1", owner("StatefulSet", "orders"), "10.1.0.31");
    api.restart();
    await("change after restart seen", () -> named("10.1.0.31").isPresent());
    assertThat(named("10.1.0.31")).contains(workload("StatefulSet", "orders", "orders-1"));
    await("deletion after restart seen", () -> named("10.1.0.30").isEmpty());
  }

  @Test
  void informerWhoseWatchWentSilentIsRestartedByTheWatchdog() {
    // Watches of 1 s: a healthy informer calls every second; one silent for 3 s is stale.
    start(Duration.ofSeconds(1), Duration.ofSeconds(3));
    api.stallWatches();
    long restartsBefore = names.restarts();

    pod("late-1", null, "10.1.0.50");

    await("stalled informers restarted", () -> names.restarts() >= restartsBefore + 5);
    await("pod seen by the new informer", () -> named("10.1.0.50").isPresent());
    assertThat(named("10.1.0.50")).contains(workload("Pod", "late-1", "late-1"));
  }

  // --- helpers ----------------------------------------------------------------------------------

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

  private static Endpoint workload(String kind, String name, String pod) {
    return new Endpoint(NS, kind, name, pod, "");
  }

  private static OwnerReference owner(String kind, String name) {
    return new OwnerReferenceBuilder()
        .withKind(kind)
        .withName(name)
        .withApiVersion("v1")
        .withUid(UUID.randomUUID().toString())
        .withController(true)
        .build();
  }

  private void pod(String name, OwnerReference owner, String... ips) {
    create(
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(NS)
            .withUid(UUID.randomUUID().toString())
            .withOwnerReferences(owner == null ? List.of() : List.of(owner))
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("main")
            .withImage("main")
            .endContainer()
            .endSpec()
            .withNewStatus()
            .withPhase("Running")
            .withPodIP(ips[0])
            .withPodIPs(Arrays.stream(ips).map(ip -> new PodIP(ip)).toList())
            .endStatus()
            .build());
  }

  private void replicaSet(String name, OwnerReference owner) {
    create(
        new ReplicaSetBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(NS)
            .withOwnerReferences(owner)
            .endMetadata()
            .withNewSpec()
            .withReplicas(1)
            .withNewSelector()
            .addToMatchLabels("app", name)
            .endSelector()
            .endSpec()
            .build());
  }

  private void job(String name, OwnerReference owner) {
    create(
        new JobBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(NS)
            .withOwnerReferences(owner == null ? List.of() : List.of(owner))
            .endMetadata()
            .build());
  }

  private void node(String name, String... addresses) {
    create(
        new NodeBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withNewStatus()
            .withAddresses(
                Arrays.stream(addresses).map(ip -> new NodeAddress(ip, "InternalIP")).toList())
            .addNewAddress()
            .withType("Hostname")
            .withAddress(name)
            .endAddress()
            .endStatus()
            .build());
  }

  private <T extends HasMetadata> T create(T object) {
    return api.objects().resource(object).create();
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
