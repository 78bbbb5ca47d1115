package io.chelonia.agent.identity.kubernetes;

import static io.chelonia.agent.identity.kubernetes.KubernetesNamesTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.ResolverChain;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkPipeline;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.link.PipelineConfig;
import io.chelonia.agent.testing.ChartServiceAccount;
import io.chelonia.agent.testing.ClusterObjects;
import io.chelonia.agent.testing.KubernetesApiServer;
import io.chelonia.agent.testing.NetnsHosts;
import io.chelonia.agent.testing.TrafficPeerProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * End to end on the real kernel: two network-namespace hosts registered as pods of two Deployments
 * in a real API server (read with the chart's ClusterRole), real traffic between them, and the link
 * named by both Deployments from both ends. Needs root; fails, never skips, without it.
 */
class KubernetesNamesKernelTest {
  private static final Duration PEER_TIMEOUT = Duration.ofSeconds(60);
  private static NetnsHosts hosts;
  private static KubernetesApiServer api;
  private static Path agentKubeconfig;

  @BeforeAll
  static void createHostsAndCluster() {
    hosts = NetnsHosts.create();
    api = KubernetesApiServer.start();
    agentKubeconfig = ChartServiceAccount.create(api).kubeconfig(api);
    api.createNamespace("shop", Map.of());
    ClusterObjects cluster = new ClusterObjects(api.admin());
    cluster.deploymentPod("shop", "frontend", hosts.ipv4A().getHostAddress());
    cluster.deploymentPod("shop", "backend", hosts.ipv4B().getHostAddress());
  }

  @AfterAll
  static void removeHostsAndCluster() {
    if (api != null) {
      api.close();
    }
    hosts.close();
  }

  @Test
  void linkBetweenTwoDeploymentsIsNamedByBothFromBothEnds() throws IOException {
    try (KubernetesNames names =
            KubernetesNames.builder(KubernetesClients.forCluster(Optional.of(agentKubeconfig)))
                .start();
        LinkPipeline pipeline =
            LinkPipeline.open(
                PipelineConfig.defaults(),
                new ResolverChain(List.of(names)),
                Set.of(),
                Clock.systemUTC())) {
      await("informers synced", names::hasSynced);
      pipeline.poll();

      int port;
      try (TrafficPeerProcess server =
              TrafficPeerProcess.start(
                  Optional.of(hosts.nameB()), "server", "198.18.0.2", "0", "4321", "1234", "1");
          TrafficPeerProcess client =
              TrafficPeerProcess.start(
                  Optional.of(hosts.nameA()),
                  "client",
                  "198.18.0.2",
                  String.valueOf(port = port(server)),
                  "1234",
                  "4321",
                  "1")) {
        assertThat(client.awaitExit(PEER_TIMEOUT)).as("client exit").isZero();
        assertThat(server.awaitExit(PEER_TIMEOUT)).as("server exit").isZero();
      }
      pipeline.poll();

      for (Observer observer : Observer.values()) {
        List<Link> links =
            pipeline.table().links().stream()
                .filter(l -> l.key().serverPort() == port && l.key().observer() == observer)
                .toList();
        assertThat(links).as("links to port %d seen by %s", port, observer).hasSize(1);
        Link link = links.getFirst();
        assertThat(workload(link.key().client()))
            .as("%s client", observer)
            .isEqualTo("shop/Deployment/frontend");
        assertThat(workload(link.key().server()))
            .as("%s server", observer)
            .isEqualTo("shop/Deployment/backend");
        assertThat(link.totals().bytesClientToServer()).isEqualTo(1234);
        assertThat(link.totals().bytesServerToClient()).isEqualTo(4321);
      }
    }
  }

  private static String workload(Endpoint endpoint) {
    return endpoint.namespace() + "/" + endpoint.kind() + "/" + endpoint.name();
  }

  private static int port(TrafficPeerProcess server) {
    return Integer.parseInt(server.awaitLine("LISTENING", PEER_TIMEOUT).split(" ")[1]);
  }
}
