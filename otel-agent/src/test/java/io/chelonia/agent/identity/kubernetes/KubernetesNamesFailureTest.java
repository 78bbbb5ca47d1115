package io.chelonia.agent.identity.kubernetes;

import static io.chelonia.agent.identity.kubernetes.KubernetesNamesTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.EndpointQuery;
import io.chelonia.agent.testing.ChartServiceAccount;
import io.chelonia.agent.testing.ClusterObjects;
import io.chelonia.agent.testing.KubernetesApiServer;
import io.chelonia.agent.testing.TcpProxy;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * What only a real API server shows: it stopped and started again on the same etcd, etcd compacted
 * while the agent's watches were away (410 Gone), watches left open but silent, a token without the
 * rights the agent needs. The agent reaches the server through a {@link TcpProxy}, which stands for
 * the network between them. Each test has a server of its own.
 */
class KubernetesNamesFailureTest {
  private static final InetAddress PEER = InetAddress.ofLiteral("198.51.100.7");
  private static final String NS = "shop";

  private KubernetesApiServer api;
  private ClusterObjects cluster;
  private TcpProxy network;
  private KubernetesNames names;
  @TempDir Path cgroupRoot;

  @AfterEach
  void stop() {
    if (names != null) {
      names.close();
    }
    if (network != null) {
      network.close();
    }
    if (api != null) {
      api.close();
    }
  }

  private void startCluster(boolean watchCache) {
    api = KubernetesApiServer.start(watchCache);
    cluster = new ClusterObjects(api.admin());
    network = TcpProxy.to(api.port());
    api.createNamespace(NS, Map.of());
  }

  /** The agent with the chart's rights, through the proxy. */
  private void startAgent(Duration watchTimeout, Duration staleAfter, Duration pingInterval) {
    names =
        AgentNames.start(
            ChartServiceAccount.create(api).kubeconfig(api, network.port()),
            cgroupRoot,
            watchTimeout,
            staleAfter,
            pingInterval);
  }

  private void startAgent() {
    startAgent(Duration.ofSeconds(60), Duration.ofSeconds(150), Duration.ofSeconds(30));
  }

  @Test
  void apiServerRestartedOnTheSameEtcdKeepsNamesCountsErrorsAndSeesChangesMadeMeanwhile() {
    startCluster(true);
    Pod cart = cluster.statefulSetPod(NS, "cart", "198.19.4.30");
    startAgent();
    await("informers synced", names::hasSynced);
    assertThat(names.errors()).isZero();

    network.cut();
    api.stopApiServer();
    await("failures counted", () -> names.errors() >= 3);
    assertThat(named("198.19.4.30")).contains(workload("StatefulSet", "cart", cart));

    api.restartApiServer();
    // Changes the agent cannot see yet: its way to the server is still cut.
    api.admin().resource(cart).withGracePeriod(0).delete();
    Pod orders = cluster.statefulSetPod(NS, "orders", "198.19.4.31");
    network.restore();

    await("change made meanwhile seen", () -> named("198.19.4.31").isPresent());
    assertThat(named("198.19.4.31")).contains(workload("StatefulSet", "orders", orders));
    await("deletion made meanwhile seen", () -> named("198.19.4.30").isEmpty());
  }

  @Test
  void watchesEndingWithoutAnEventAreRenewedWithoutAFailure() throws InterruptedException {
    startCluster(true);
    cluster.statefulSetPod(NS, "cart", "198.19.4.32");
    // Watches of 1 s on a cluster where nothing changes: each ends with an empty answer.
    startAgent(Duration.ofSeconds(1), Duration.ofSeconds(150), Duration.ofSeconds(30));
    await("informers synced", names::hasSynced);
    Thread.sleep(3_500);
    assertThat(names.errors()).isZero();

    Pod late = cluster.statefulSetPod(NS, "late", "198.19.4.33");
    await("a change after the empty watches seen", () -> named("198.19.4.33").isPresent());
    assertThat(named("198.19.4.33")).contains(workload("StatefulSet", "late", late));
    assertThat(names.errors()).isZero();
  }

  @Test
  void etcdCompactedWhileTheWatchesWereAwayIsAnsweredGoneAndTheAgentListsAgainLosingNothing() {
    // Without the API server's watch cache, watches are served by etcd, whose compaction is what
    // makes a resource version too old.
    startCluster(false);
    Pod cart = cluster.statefulSetPod(NS, "cart", "198.19.4.40");
    startAgent();
    await("informers synced", names::hasSynced);
    String before = api.admin().pods().inAnyNamespace().list().getMetadata().getResourceVersion();

    network.cut();
    api.admin().resource(cart).withGracePeriod(0).delete();
    Pod orders = cluster.statefulSetPod(NS, "orders", "198.19.4.41");
    Pod billing = cluster.deploymentPod(NS, "billing", "198.19.4.42");
    api.compactEtcd();
    // What the agent's watches will hear on their return: their resource version is gone.
    assertThat(api.get("/api/v1/pods?watch=true&timeoutSeconds=1&resourceVersion=" + before))
        .contains("\"code\":410");
    network.restore();

    await("pod made meanwhile seen", () -> named("198.19.4.41").isPresent());
    assertThat(named("198.19.4.41")).contains(workload("StatefulSet", "orders", orders));
    await("pod of a ReplicaSet made meanwhile seen", () -> named("198.19.4.42").isPresent());
    assertThat(named("198.19.4.42")).contains(workload("Deployment", "billing", billing));
    await("deletion made meanwhile seen", () -> named("198.19.4.40").isEmpty());
  }

  @Test
  void connectionLeftOpenButSilentIsFoundDeadByItsPingsAndTheInformersCallAgainOnANewOne()
      throws InterruptedException {
    startCluster(true);
    // Every call of every informer shares one HTTP/2 connection: a silent one silences them all,
    // watchdog or not (its restarted informers would call on it too). Pings every second.
    startAgent(Duration.ofSeconds(60), Duration.ofSeconds(150), Duration.ofSeconds(1));
    await("informers synced", names::hasSynced);
    // Each informer's watch call follows its list: let them go out before the stall, or one made
    // on a connection opened at that moment would escape it (seen: the pod then came by a watch on
    // a connection never stalled, and no failure was counted).
    Thread.sleep(1_000);
    network.stall();
    long errorsBefore = names.errors();

    Pod late = cluster.runningPod(NS, "late-1", null, "198.19.4.50");

    await("pod seen over a new connection", () -> named("198.19.4.50").isPresent());
    assertThat(named("198.19.4.50")).contains(workload("Pod", "late-1", late));
    // Up to the watches' own timeout (60 s here) and some: the pod was seen well before the
    // failures of the watches on the dead connection were counted in one CI run of 2026-12-01
    // (30 s were not enough), though the new connection was up.
    await(
        "watches on the dead connection counted as failed",
        Duration.ofSeconds(90),
        () -> names.errors() > errorsBefore);
  }

  @Test
  void tokenWithoutTheRightToReadJobsSaysSoInOneLineAndTheOtherKindsAreStillNamed() {
    startCluster(true);
    // The chart's ClusterRole without its rule on Jobs.
    ChartServiceAccount account = ChartServiceAccount.create(api);
    ClusterRole chart = api.admin().rbac().clusterRoles().withName(account.clusterRole()).get();
    ClusterRole withoutJobs =
        new ClusterRoleBuilder()
            .withNewMetadata()
            .withName("chelonia-without-jobs")
            .endMetadata()
            .withRules(
                chart.getRules().stream()
                    .filter(rule -> !rule.getResources().contains("jobs"))
                    .toList())
            .build();
    api.admin().resource(withoutJobs).create();
    api.createServiceAccount(NS, "agent");
    api.admin()
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName("chelonia-without-jobs")
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "chelonia-without-jobs")
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName("agent")
                .withNamespace(NS)
                .endSubject()
                .build())
        .create();
    Pod checkout = cluster.deploymentPod(NS, "checkout", "198.19.4.60");
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    Logger logger = (Logger) LoggerFactory.getLogger(KubernetesNames.class);
    log.start();
    logger.addAppender(log);
    try {
      names = AgentNames.start(api.serviceAccountKubeconfig(NS, "agent"), cgroupRoot);
      await("refusal counted three times", () -> names.errors() >= 3);
      await("pods named", () -> named("198.19.4.60").isPresent());
      assertThat(named("198.19.4.60")).contains(workload("Deployment", "checkout", checkout));
    } finally {
      logger.detachAppender(log);
    }
    List<String> lines = log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    assertThat(lines)
        .singleElement()
        .asString()
        .startsWith("kubernetes: not allowed to list jobs.batch (HTTP 403: ")
        .contains(
            "User \"system:serviceaccount:shop:agent\" cannot list resource \"jobs\" in API group"
                + " \"batch\" at the cluster scope")
        .contains("grant get, list and watch on jobs.batch to the agent's ServiceAccount");
  }

  private Optional<Endpoint> named(String address) {
    return names.name(
        new EndpointQuery(InetAddress.ofLiteral(address), false, 0, "", 0, 0, 0, false, PEER, 0));
  }

  private static Endpoint workload(String kind, String name, Pod pod) {
    return new Endpoint(NS, kind, name, pod.getMetadata().getName(), "");
  }
}
