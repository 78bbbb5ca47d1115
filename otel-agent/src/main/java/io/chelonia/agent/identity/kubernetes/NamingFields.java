package io.chelonia.agent.identity.kubernetes;

import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1LoadBalancerStatus;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeStatus;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodStatus;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceSpec;
import io.kubernetes.client.openapi.models.V1ServiceStatus;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Each object cut down, as it arrives from the API server, to the fields naming needs. Specs,
 * statuses, labels, annotations and managed fields are most of an object's size; a pod keeps its
 * addresses, its controller's kind and name, node, phase and (only when it shares the node's
 * network) its ports; a node its addresses and its zone and region labels. Objects of another type
 * pass unchanged.
 *
 * <p>What is kept is kept small, since 10,000 pods stay in the heap: the models' constructors make
 * an empty list or map for every collection field (27 in a pod), which the copies drop; lists are
 * immutable copies of their size; and the texts many objects share (namespace, node, phase, the
 * owner's kind and name) are one String each ({@link String#intern}; unused ones are collected).
 */
final class NamingFields {
  private NamingFields() {}

  static KubernetesObject pod(KubernetesObject object) {
    if (!(object instanceof V1Pod pod)) {
      return object;
    }
    V1PodSpec spec = pod.getSpec() == null ? new V1PodSpec() : pod.getSpec();
    boolean hostNetwork = Boolean.TRUE.equals(spec.getHostNetwork());
    V1PodSpec trimmedSpec =
        emptySpec()
            .hostNetwork(spec.getHostNetwork())
            .nodeName(shared(spec.getNodeName()))
            .containers(
                hostNetwork && spec.getContainers() != null
                    ? spec.getContainers().stream()
                        .map(c -> new V1Container().name(c.getName()).ports(c.getPorts()))
                        .toList()
                    : List.of());
    V1PodStatus status = pod.getStatus();
    V1PodStatus trimmedStatus =
        status == null
            ? null
            : emptyStatus()
                .podIPs(status.getPodIPs() == null ? null : List.copyOf(status.getPodIPs()))
                .phase(shared(status.getPhase()));
    return new V1Pod()
        .metadata(
            meta(pod.getMetadata())
                .uid(pod.getMetadata().getUid())
                .creationTimestamp(pod.getMetadata().getCreationTimestamp()))
        .spec(trimmedSpec)
        .status(trimmedStatus);
  }

  static KubernetesObject service(KubernetesObject object) {
    if (!(object instanceof V1Service service)) {
      return object;
    }
    V1ServiceSpec spec = service.getSpec();
    V1ServiceStatus status = service.getStatus();
    return new V1Service()
        .metadata(meta(service.getMetadata()))
        .spec(
            spec == null
                ? null
                : new V1ServiceSpec()
                    .clusterIPs(spec.getClusterIPs())
                    .externalIPs(spec.getExternalIPs()))
        .status(
            status == null || status.getLoadBalancer() == null
                ? null
                : new V1ServiceStatus()
                    .loadBalancer(
                        new V1LoadBalancerStatus().ingress(status.getLoadBalancer().getIngress())));
  }

  static KubernetesObject node(KubernetesObject object) {
    if (!(object instanceof V1Node node)) {
      return object;
    }
    Map<String, String> labels = node.getMetadata().getLabels();
    Map<String, String> topology = new HashMap<>();
    if (labels != null) {
      for (String key : List.of(NodeTopology.ZONE_LABEL, NodeTopology.REGION_LABEL)) {
        if (labels.containsKey(key)) {
          topology.put(key, labels.get(key));
        }
      }
    }
    return new V1Node()
        .metadata(meta(node.getMetadata()).labels(topology))
        .status(
            node.getStatus() == null
                ? null
                : new V1NodeStatus().addresses(node.getStatus().getAddresses()));
  }

  /** ReplicaSets and Jobs: only who owns them. */
  static KubernetesObject ownerOnly(KubernetesObject object) {
    V1ObjectMeta trimmed = meta(object.getMetadata());
    return switch (object) {
      case V1ReplicaSet ignored -> new V1ReplicaSet().metadata(trimmed);
      case V1Job ignored -> new V1Job().metadata(trimmed);
      default -> object;
    };
  }

  private static V1ObjectMeta meta(V1ObjectMeta meta) {
    V1ObjectMeta trimmed =
        new V1ObjectMeta()
            .name(meta.getName())
            .namespace(shared(meta.getNamespace()))
            .resourceVersion(meta.getResourceVersion())
            .ownerReferences(controller(meta.getOwnerReferences()));
    trimmed.setLabels(null);
    trimmed.setAnnotations(null);
    trimmed.setFinalizers(null);
    trimmed.setManagedFields(null);
    return trimmed;
  }

  /**
   * The reference naming follows, as {@link KubernetesNames} picks it (the controller, else the
   * first), with only its kind and name; empty when there is none.
   */
  private static List<V1OwnerReference> controller(List<V1OwnerReference> owners) {
    if (owners == null || owners.isEmpty()) {
      return List.of();
    }
    V1OwnerReference owner =
        owners.stream()
            .filter(o -> Boolean.TRUE.equals(o.getController()))
            .findFirst()
            .orElse(owners.getFirst());
    return List.of(
        new V1OwnerReference()
            .kind(shared(owner.getKind()))
            .name(shared(owner.getName()))
            .controller(owner.getController()));
  }

  /** A pod spec without the empty collections the model's constructor makes. */
  private static V1PodSpec emptySpec() {
    V1PodSpec spec = new V1PodSpec();
    spec.setEphemeralContainers(null);
    spec.setHostAliases(null);
    spec.setImagePullSecrets(null);
    spec.setInitContainers(null);
    spec.setNodeSelector(null);
    spec.setOverhead(null);
    spec.setReadinessGates(null);
    spec.setResourceClaims(null);
    spec.setSchedulingGates(null);
    spec.setTolerations(null);
    spec.setTopologySpreadConstraints(null);
    spec.setVolumes(null);
    return spec;
  }

  /** A pod status without the empty collections the model's constructor makes. */
  private static V1PodStatus emptyStatus() {
    V1PodStatus status = new V1PodStatus();
    status.setAllocatedResources(null);
    status.setConditions(null);
    status.setContainerStatuses(null);
    status.setEphemeralContainerStatuses(null);
    status.setHostIPs(null);
    status.setInitContainerStatuses(null);
    status.setNodeAllocatableResourceClaimStatuses(null);
    status.setResourceClaimStatuses(null);
    return status;
  }

  private static String shared(String text) {
    return text == null ? null : text.intern();
  }
}
