package io.chelonia.agent.identity.kubernetes;

import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1ObjectMeta;

/**
 * An object as the cluster cache keeps it: the few fields naming needs, read straight from the API
 * server's JSON ({@link ObjectReader}) rather than decoded into client-java's models first. A model
 * holds every field of its kind and an empty collection for each absent one; cut down, 10,000 pods
 * still kept 17.6 MB of them, and one page of 500 full pods, decoded whole before it could be cut,
 * some 30 MB more.
 *
 * <p>client-java's informers, caches and reflector work on any {@link KubernetesObject}: they read
 * an object's namespace, name and resource version, through {@link #getMetadata()}.
 */
sealed interface CachedObject extends KubernetesObject
    permits CachedPod, CachedService, CachedNode, OwnedObject {
  /** Empty for a cluster-scoped object (a Node). */
  String namespace();

  String name();

  String resourceVersion();

  /** The kind the object is of. */
  ApiResource<?> resource();

  @Override
  default String getKind() {
    return resource().kind();
  }

  @Override
  default String getApiVersion() {
    return resource().apiVersion();
  }

  /**
   * Never called: client-java's reflector looks these two up to give a listed object without a kind
   * the list's, and warns at every start when they are missing; these objects always have one.
   */
  default void setKind(String kind) {}

  /** Never called: see {@link #setKind}. */
  default void setApiVersion(String apiVersion) {}

  /**
   * Made on each call, for the informer's keys and versions, and kept by no one: an object keeps
   * its three fields, not a model of its metadata.
   */
  @Override
  default V1ObjectMeta getMetadata() {
    V1ObjectMeta meta = new V1ObjectMeta();
    meta.setNamespace(namespace().isEmpty() ? null : namespace());
    meta.setName(name());
    meta.setResourceVersion(resourceVersion());
    return meta;
  }
}
