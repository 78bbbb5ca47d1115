package io.chelonia.agent.identity.kubernetes;

import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.openapi.models.V1ListMeta;
import java.util.List;

/**
 * Every object of a kind, as one list call (of one or more pages) found them, and the resource
 * version to watch from.
 */
record ObjectList<T extends CachedObject>(
    ApiResource<T> resource, String resourceVersion, List<T> items)
    implements KubernetesListObject {
  @Override
  public V1ListMeta getMetadata() {
    return new V1ListMeta().resourceVersion(resourceVersion);
  }

  @Override
  public List<T> getItems() {
    return items;
  }

  /** The list's kind ({@code PodList}): the reflector then needs no model to tell the items'. */
  @Override
  public String getKind() {
    return resource.kind() + "List";
  }

  @Override
  public String getApiVersion() {
    return resource.apiVersion();
  }
}
