package io.chelonia.agent.testing;

import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;

/**
 * The cluster objects kernel tests put into a {@link FakeApiServer} (for a pod scheduled on a node,
 * a Service at a chosen cluster IP, a Node with zone labels); {@link ClusterObjects} makes them on
 * the real API server.
 */
public final class FakeClusterObjects {
  public static final String ZONE_LABEL = "topology.kubernetes.io/zone";
  public static final String REGION_LABEL = "topology.kubernetes.io/region";

  private final FakeApiServer api;

  public FakeClusterObjects(FakeApiServer api) {
    this.api = api;
  }

  /**
   * A running pod at {@code ip} of the Deployment {@code deployment} (through its ReplicaSet),
   * scheduled on {@code node}.
   */
  public void deploymentPod(String namespace, String deployment, InetAddress ip, String node) {
    String replicaSet = deployment + "-5d8c7b";
    api.objects()
        .resource(
            new ReplicaSetBuilder()
                .withNewMetadata()
                .withName(replicaSet)
                .withNamespace(namespace)
                .withOwnerReferences(owner("apps/v1", "Deployment", deployment))
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
                .withNamespace(namespace)
                .withOwnerReferences(owner("apps/v1", "ReplicaSet", replicaSet))
                .endMetadata()
                .withNewSpec()
                .withNodeName(node)
                .addNewContainer()
                .withName("main")
                .withImage("main")
                .endContainer()
                .endSpec()
                .withNewStatus()
                .withPhase("Running")
                .withPodIP(ip.getHostAddress())
                .addNewPodIP()
                .withIp(ip.getHostAddress())
                .endPodIP()
                .endStatus()
                .build())
        .create();
  }

  /** A ClusterIP Service. */
  public void service(String namespace, String name, InetAddress clusterIp) {
    api.objects()
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .endMetadata()
                .withNewSpec()
                .withType("ClusterIP")
                .withClusterIP(clusterIp.getHostAddress())
                .withClusterIPs(clusterIp.getHostAddress())
                .endSpec()
                .build())
        .create();
  }

  /** A Node with these InternalIP addresses and labels. */
  public void node(String name, Map<String, String> labels, InetAddress... addresses) {
    api.objects()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .withNewStatus()
                .withAddresses(
                    Arrays.stream(addresses)
                        .map(ip -> new NodeAddress(ip.getHostAddress(), "InternalIP"))
                        .toList())
                .endStatus()
                .build())
        .create();
  }

  private static io.fabric8.kubernetes.api.model.OwnerReference owner(
      String apiVersion, String kind, String name) {
    return new OwnerReferenceBuilder()
        .withApiVersion(apiVersion)
        .withKind(kind)
        .withName(name)
        .withUid(UUID.randomUUID().toString())
        .withController(true)
        .build();
  }
}
