package io.chelonia.agent.identity.kubernetes;

/**
 * A kind the agent lists and watches: where the API serves it, what the cache keeps of its objects
 * and how they are read.
 *
 * @param group empty for the core group (pods, services, nodes)
 * @param plural the resource's name in the API's paths ({@code pods})
 */
record ApiResource<T extends CachedObject>(
    String group,
    String version,
    String plural,
    String kind,
    Class<T> type,
    ObjectReader<T> reader) {
  static final ApiResource<CachedPod> PODS =
      new ApiResource<>("", "v1", "pods", "Pod", CachedPod.class, CachedPod::read);
  static final ApiResource<CachedService> SERVICES =
      new ApiResource<>("", "v1", "services", "Service", CachedService.class, CachedService::read);
  static final ApiResource<CachedNode> NODES =
      new ApiResource<>("", "v1", "nodes", "Node", CachedNode.class, CachedNode::read);
  static final ApiResource<OwnedObject> REPLICA_SETS =
      new ApiResource<>(
          "apps",
          "v1",
          "replicasets",
          "ReplicaSet",
          OwnedObject.class,
          in -> OwnedObject.read(in, ApiResource.REPLICA_SETS));
  static final ApiResource<OwnedObject> JOBS =
      new ApiResource<>(
          "batch",
          "v1",
          "jobs",
          "Job",
          OwnedObject.class,
          in -> OwnedObject.read(in, ApiResource.JOBS));

  /** Every object of the kind, in all namespaces. */
  String path() {
    return group.isEmpty()
        ? "/api/" + version + "/" + plural
        : "/apis/" + group + "/" + version + "/" + plural;
  }

  String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** As RBAC and kubectl name it: {@code pods}, {@code replicasets.apps}. */
  @Override
  public String toString() {
    return group.isEmpty() ? plural : plural + "." + group;
  }
}
