package io.chelonia.agent.identity.kubernetes;

import io.chelonia.agent.identity.Endpoint;
import io.kubernetes.client.openapi.models.V1Node;
import java.util.Map;

/**
 * Where a node stands, from its well-known labels (set by the cloud provider's node controller):
 * the zone and region an end on it is given, for cross-zone traffic to be told apart.
 */
final class NodeTopology {
  static final String ZONE_LABEL = "topology.kubernetes.io/zone";
  static final String REGION_LABEL = "topology.kubernetes.io/region";

  private NodeTopology() {}

  /** The end placed in the node's zone and region; unchanged when the node is unknown. */
  static Endpoint place(Endpoint end, V1Node node) {
    if (node == null || node.getMetadata() == null || node.getMetadata().getLabels() == null) {
      return end;
    }
    Map<String, String> labels = node.getMetadata().getLabels();
    return end.withTopology(
        labels.getOrDefault(ZONE_LABEL, ""), labels.getOrDefault(REGION_LABEL, ""));
  }
}
