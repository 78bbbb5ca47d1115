package io.chelonia.agent.identity.kubernetes;

import io.chelonia.agent.identity.Endpoint;

/**
 * Where a node stands, from its well-known labels (set by the cloud provider's node controller):
 * the zone and region an end on it is given, for cross-zone traffic to be told apart.
 */
final class NodeTopology {
  static final String ZONE_LABEL = "topology.kubernetes.io/zone";
  static final String REGION_LABEL = "topology.kubernetes.io/region";

  private NodeTopology() {}

  /** The end placed in the node's zone and region; unchanged when the node is unknown. */
  static Endpoint place(Endpoint end, CachedNode node) {
    return node == null ? end : end.withTopology(node.zone(), node.region());
  }
}
