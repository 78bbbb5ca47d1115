package io.chelonia.agent.identity.kubernetes;

import static io.chelonia.agent.identity.kubernetes.KubernetesNamesTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.ResolverChain;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkPipeline;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.link.PipelineConfig;
import io.chelonia.agent.testing.FakeApiServer;
import io.chelonia.agent.testing.NetnsHosts;
import io.chelonia.agent.testing.TrafficPeerProcess;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.kubernetes.client.util.ClientBuilder;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * End to end on the real kernel: two network-namespace hosts registered as pods of two Deployments
 * in a fake API server, real traffic between them, and the link named by both Deployments from both
 * ends. Needs root; fails, never skips, without it.
 */
class KubernetesNamesKernelTest {
  private static final Duration PEER_TIMEOUT = Duration.ofSeconds(60);
  private static NetnsHosts hosts;
  private static FakeApiServer api;

  @BeforeAll
  static void createHostsAndCluster() {
    hosts = NetnsHosts.create();
    api = FakeApiServer.start();
    deploymentPod("frontend", hosts.ipv4A().getHostAddress());
    deploymentPod("backend", hosts.ipv4B().getHostAddress());
  }

  @AfterAll
  static void removeHostsAndCluster() {
    api.close();
    hosts.close();
  }

  @Test
  void linkBetweenTwoDeploymentsIsNamedByBothFromBothEnds() {
    try (KubernetesNames names =
            KubernetesNames.builder(new ClientBuilder().setBasePath(api.url()).build()).start();
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

  private static void deploymentPod(String deployment, String ip) {
    String replicaSet = deployment + "-5d8c7b";
    api.objects()
        .resource(
            new ReplicaSetBuilder()
                .withNewMetadata()
                .withName(replicaSet)
                .withNamespace("shop")
                .withOwnerReferences(
                    new OwnerReferenceBuilder()
                        .withApiVersion("apps/v1")
                        .withKind("Deployment")
                        .withName(deployment)
                        .withUid(UUID.randomUUID().toString())
                        .withController(true)
                        .build())
                .endMetadata()
                .withNewSpec()
                .withNewSelector()
                .addToMatchLabels("app", deployment)
                .endSelector()
                .endSpec()
                .build())
        .create();
    api.objects()
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(replicaSet + "-x2x9q")
                .withNamespace("shop")
                .withOwnerReferences(
                    new OwnerReferenceBuilder()
                        .withApiVersion("apps/v1")
                        .withKind("ReplicaSet")
                        .withName(replicaSet)
                        .withUid(UUID.randomUUID().toString())
                        .withController(true)
                        .build())
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("main")
                .withImage("main")
                .endContainer()
                .endSpec()
                .withNewStatus()
                .withPhase("Running")
                .withPodIP(ip)
                .addNewPodIP()
                .withIp(ip)
                .endPodIP()
                .endStatus()
                .build())
        .create();
  }
}
