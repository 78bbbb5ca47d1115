package io.chelonia.agent.identity.kubernetes;

import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.informer.TransformFunc;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ListMeta;
import io.kubernetes.client.util.CallGeneratorParams;
import io.kubernetes.client.util.Watchable;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import io.kubernetes.client.util.generic.options.ListOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Lists a kind in pages of at most {@code pageSize} objects, each page's objects cut down ({@code
 * trim}) before the next page is asked for; watches as asked. An informer's list is one call for
 * every object of the kind, and client-java decodes a whole answer into full objects before the
 * informer sees any: 10,000 realistic pods in one answer are some 130 MB of JSON (6.7 MB a page of
 * 500, measured against kube-apiserver 1.34) and more as objects, more than the agent's whole heap.
 * In pages the agent holds one page of full objects at a time, and the cut-down rest.
 *
 * <p>Every list asks for the latest state (no resource version): the reflector's first list asks
 * for "0" (any recent state), which kube-apiserver 1.34 answers in one piece whatever the limit,
 * and its later lists for the version it last saw, which the server may no longer have (410 Gone,
 * and a list again); the latest is never older than either, and is served in pages (from the watch
 * cache since Kubernetes 1.31). The pages of one list are one snapshot, of the last page's resource
 * version.
 */
final class PagedLists<T extends KubernetesObject, L extends KubernetesListObject>
    implements ListerWatcher<T, L> {
  /** client-go's pager asks for 500 at a time too. */
  static final int DEFAULT_PAGE_SIZE = 500;

  private final GenericKubernetesApi<T, L> api;
  private final TransformFunc trim;
  private final int pageSize;

  PagedLists(GenericKubernetesApi<T, L> api, TransformFunc trim, int pageSize) {
    if (pageSize < 1) {
      throw new IllegalArgumentException("page size must be positive: " + pageSize);
    }
    this.api = api;
    this.trim = trim;
    this.pageSize = pageSize;
  }

  @Override
  public L list(CallGeneratorParams params) throws ApiException {
    ListOptions first = new ListOptions();
    first.setLimit(pageSize);
    first.setTimeoutSeconds(params.timeoutSeconds);
    L list = page(first);
    List<T> items = trimmed(list);
    V1ListMeta meta = list.getMetadata();
    for (String next = continueOf(list); next != null; ) {
      ListOptions options = new ListOptions();
      options.setLimit(pageSize);
      options.setContinue(next);
      options.setTimeoutSeconds(params.timeoutSeconds);
      L page = page(options);
      items.addAll(trimmed(page));
      meta.setResourceVersion(page.getMetadata().getResourceVersion());
      next = continueOf(page);
    }
    if (meta != null) {
      meta.setContinue(null);
      meta.setRemainingItemCount(null);
    }
    return list;
  }

  @Override
  public Watchable<T> watch(CallGeneratorParams params) throws ApiException {
    ListOptions options = new ListOptions();
    options.setResourceVersion(params.resourceVersion);
    options.setTimeoutSeconds(params.timeoutSeconds);
    return api.watch(options);
  }

  private L page(ListOptions options) throws ApiException {
    // The Status the server answered with (who may not do what) kept as the body, as a failed
    // watch call keeps it.
    return api.list(options)
        .onFailure(
            (code, status) -> {
              throw new ApiException(
                  code, Map.of(), status == null ? null : JSON.serialize(status));
            })
        .getObject();
  }

  /**
   * The page's objects, cut down in place: the list's items are of type T, as its class says, and
   * the transform returns an object of the type it was given.
   */
  @SuppressWarnings("unchecked")
  private List<T> trimmed(L page) {
    List<T> items = (List<T>) page.getItems();
    if (items == null) {
      return new ArrayList<>();
    }
    items.replaceAll(object -> (T) trim.transform(object));
    return items;
  }

  private static String continueOf(KubernetesListObject page) {
    V1ListMeta meta = page.getMetadata();
    String next = meta == null ? null : meta.getContinue();
    return next == null || next.isEmpty() ? null : next;
  }
}
