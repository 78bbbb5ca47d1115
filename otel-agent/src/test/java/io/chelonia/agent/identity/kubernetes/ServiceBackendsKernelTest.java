package io.chelonia.agent.identity.kubernetes;

import static io.chelonia.agent.identity.kubernetes.KubernetesNamesTest.await;
import static io.chelonia.agent.testing.KubeProxyNode.BACKEND_A;
import static io.chelonia.agent.testing.KubeProxyNode.BACKEND_B;
import static io.chelonia.agent.testing.KubeProxyNode.BACKEND_PORT;
import static io.chelonia.agent.testing.KubeProxyNode.EMPTY_SERVICE_IP;
import static io.chelonia.agent.testing.KubeProxyNode.NODE_TO_A;
import static io.chelonia.agent.testing.KubeProxyNode.NODE_TO_B;
import static io.chelonia.agent.testing.KubeProxyNode.SERVICE_IP;
import static io.chelonia.agent.testing.KubeProxyNode.SERVICE_PORT;
import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.ResolverChain;
import io.chelonia.agent.link.FailureReason;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkPipeline;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.link.PipelineConfig;
import io.chelonia.agent.testing.Await;
import io.chelonia.agent.testing.ChartServiceAccount;
import io.chelonia.agent.testing.ClusterObjects;
import io.chelonia.agent.testing.KubeProxyNode;
import io.chelonia.agent.testing.KubernetesApiServer;
import io.chelonia.agent.testing.TrafficPeerProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The edge goes to what answered, end to end on the real kernel: a client on a kube-proxy node
 * (iptables DNAT in OUTPUT, half and half at random) calls the ClusterIP of a Service whose two
 * backends are pods of two Deployments, and its links name both Deployments, each with exactly the
 * bytes that backend's own sockets carried, the Service kept beside them; a call to a Service with
 * no endpoints (REJECT) counts as refused on the Service's edge. Needs root; fails, never skips.
 */
class ServiceBackendsKernelTest {
  private static final int CONNECTIONS = 16;
  private static final long REQUEST = 1234;
  private static final long RESPONSE = 4321;
  private static final Endpoint SERVICE = new Endpoint("shop", "Service", "orders-api");
  private static final Endpoint EMPTY_SERVICE = new Endpoint("shop", "Service", "empty-api");
  private static final Endpoint STABLE = new Endpoint("shop", "Deployment", "orders-api");
  private static final Endpoint CANARY = new Endpoint("shop", "Deployment", "orders-api-canary");

  private static final String ZONE = "eu-west-1a";
  private static final String REGION = "eu-west-1";

  @AutoClose private static KubeProxyNode node;
  @AutoClose private static KubernetesApiServer api;
  private static Path agentKubeconfig;

  @BeforeAll
  static void createNodeAndCluster() {
    node = KubeProxyNode.create();
    api = KubernetesApiServer.start();
    agentKubeconfig = ChartServiceAccount.create(api).kubeconfig(api);
    api.createNamespace("shop", Map.of());
    ClusterObjects cluster = new ClusterObjects(api.admin());
    cluster.node(
        "node-1",
        Map.of(NodeTopology.ZONE_LABEL, ZONE, NodeTopology.REGION_LABEL, REGION),
        NODE_TO_A.getHostAddress(),
        NODE_TO_B.getHostAddress());
    ClusterObjects onNode = cluster.onNode("node-1");
    onNode.deploymentPod("shop", "orders-api", BACKEND_A.getHostAddress());
    onNode.deploymentPod("shop", "orders-api-canary", BACKEND_B.getHostAddress());
    // At the addresses the node's rules translate: the real server accepts them, as they lie in
    // its Service range.
    cluster.service("shop", "orders-api", SERVICE_IP.getHostAddress());
    cluster.service("shop", "empty-api", EMPTY_SERVICE_IP.getHostAddress());
  }

  @Test
  void clientOfAServiceHasOneLinkToEachBackendDeploymentWithExactBytes() throws IOException {
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

      node.callService(node.node(), 0, REQUEST, RESPONSE, CONNECTIONS);
      try (TrafficPeerProcess refused =
          TrafficPeerProcess.start(
              Optional.of(node.node()),
              "connect-refused",
              EMPTY_SERVICE_IP.getHostAddress(),
              String.valueOf(SERVICE_PORT))) {
        assertThat(refused.awaitExit(KubeProxyNode.PEER_TIMEOUT))
            .as("refused client exit")
            .isZero();
      }

      // Counted once the naming wait let the sockets go: every connection, on one of two links.
      Await.until(
          Duration.ofSeconds(30),
          Duration.ofMillis(200),
          () -> {
            pipeline.poll();
            return opened(clientLinks(pipeline, SERVICE)) == CONNECTIONS
                && !clientLinks(pipeline, EMPTY_SERVICE).isEmpty();
          },
          () -> "client links now: " + clientLinks(pipeline, SERVICE));

      List<Link> toService = clientLinks(pipeline, SERVICE);
      assertThat(toService)
          .as("one link per backend Deployment, none to the Service itself")
          .extracting(link -> link.key().server().toString())
          .containsExactlyInAnyOrder(STABLE.toString(), CANARY.toString());
      for (Link link : toService) {
        long opened = link.totals().connectionsOpened();
        assertThat(opened).as("connections to %s", link.key().server()).isPositive();
        assertThat(link.key().serverPort()).isEqualTo(BACKEND_PORT);
        assertThat(link.key().server().zone()).as("the backend's node's zone").isEqualTo(ZONE);
        assertThat(link.key().server().region()).isEqualTo(REGION);
        assertThat(link.totals().bytesClientToServer()).isEqualTo(opened * REQUEST);
        assertThat(link.totals().bytesServerToClient()).isEqualTo(opened * RESPONSE);
        Link served = serverLink(pipeline, link.key().server());
        assertThat(served.key().client().toString()).isEqualTo("node/Node/node-1");
        assertThat(served.key().client().zone()).as("the client node's zone").isEqualTo(ZONE);
        assertThat(served.totals().connectionsOpened())
            .as("the backend's own sockets agree")
            .isEqualTo(opened);
        assertThat(served.totals().bytesClientToServer())
            .isEqualTo(link.totals().bytesClientToServer());
        assertThat(served.totals().bytesServerToClient())
            .isEqualTo(link.totals().bytesServerToClient());
      }

      List<Link> toEmpty = clientLinks(pipeline, EMPTY_SERVICE);
      assertThat(toEmpty).hasSize(1);
      Link refusedLink = toEmpty.getFirst();
      assertThat(refusedLink.key().server())
          .as("no backend: the Service edge")
          .isEqualTo(EMPTY_SERVICE);
      assertThat(refusedLink.key().serverPort()).isEqualTo(SERVICE_PORT);
      assertThat(refusedLink.totals().failures()).isEqualTo(Map.of(FailureReason.REFUSED, 1L));
      assertThat(pipeline.serviceBackendLookups().orElseThrow().translated())
          .isEqualTo(CONNECTIONS);
    }
  }

  /** The client's links reached through the Service, by what answered. */
  private static List<Link> clientLinks(LinkPipeline pipeline, Endpoint service) {
    return pipeline.table().links().stream()
        .filter(l -> l.key().observer() == Observer.CLIENT)
        .filter(l -> l.key().service().equals(Optional.of(service)))
        .toList();
  }

  private static long opened(List<Link> links) {
    return links.stream().mapToLong(l -> l.totals().connectionsOpened()).sum();
  }

  /** The link the backend's own sockets make, seen from its end (ends compared by workload). */
  private static Link serverLink(LinkPipeline pipeline, Endpoint backend) {
    List<Link> links =
        pipeline.table().links().stream()
            .filter(l -> l.key().observer() == Observer.SERVER)
            .filter(l -> l.key().server().toString().equals(backend.toString()))
            .toList();
    assertThat(links).as("server-side links of %s", backend).hasSize(1);
    return links.getFirst();
  }
}
