package io.chelonia.agent.identity.kubernetes;

import com.google.gson.stream.JsonReader;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.Pair;
import io.kubernetes.client.util.CallGeneratorParams;
import io.kubernetes.client.util.Watchable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import okhttp3.Call;
import okhttp3.Response;

/**
 * Lists a kind in pages of at most {@code pageSize} objects and watches it, through the client's
 * own calls (its server, credentials and TLS), each object read from the answer as it streams in,
 * straight into what the cache keeps ({@link CachedObject}). An answer is never held whole: 10,000
 * realistic pods are some 130 MB of JSON (6.7 MB a page of 500, measured against kube-apiserver
 * 1.34), which client-java's generated calls would read into one String, and then into full models,
 * before the informer saw any.
 *
 * <p>Every list asks for the latest state (no resource version): the reflector's first list asks
 * for "0" (any recent state), which kube-apiserver 1.34 answers in one piece whatever the limit,
 * and its later lists for the version it last saw, which the server may no longer have (410 Gone,
 * and a list again); the latest is never older than either, and is served in pages (from the watch
 * cache since Kubernetes 1.31). The pages of one list are one snapshot, of the last page's resource
 * version.
 */
final class PagedLists<T extends CachedObject> implements ListerWatcher<T, ObjectList<T>> {
  /** client-go's pager asks for 500 at a time too. */
  static final int DEFAULT_PAGE_SIZE = 500;

  /** The client's credentials, as its generated calls name them. */
  private static final String[] AUTH = {"BearerToken"};

  private final ApiClient client;
  private final ApiResource<T> resource;
  private final int pageSize;

  PagedLists(ApiClient client, ApiResource<T> resource, int pageSize) {
    if (pageSize < 1) {
      throw new IllegalArgumentException("page size must be positive: " + pageSize);
    }
    this.client = client;
    this.resource = resource;
    this.pageSize = pageSize;
  }

  @Override
  public ObjectList<T> list(CallGeneratorParams params) throws ApiException {
    List<T> items = new ArrayList<>();
    Page page = new Page("", "");
    do {
      List<Pair> query = new ArrayList<>();
      query.add(new Pair("limit", Integer.toString(pageSize)));
      if (!page.next().isEmpty()) {
        query.add(new Pair("continue", page.next()));
      }
      if (params.timeoutSeconds != null) {
        query.add(new Pair("timeoutSeconds", params.timeoutSeconds.toString()));
      }
      page = readPage(newCall(query), items);
    } while (!page.next().isEmpty());
    return new ObjectList<>(resource, page.resourceVersion(), items);
  }

  @Override
  public Watchable<T> watch(CallGeneratorParams params) throws ApiException {
    List<Pair> query = new ArrayList<>();
    query.add(new Pair("watch", "true"));
    if (params.resourceVersion != null && !params.resourceVersion.isEmpty()) {
      query.add(new Pair("resourceVersion", params.resourceVersion));
    }
    if (params.timeoutSeconds != null) {
      query.add(new Pair("timeoutSeconds", params.timeoutSeconds.toString()));
    }
    Call call = newCall(query);
    return new WatchEvents<>(call, execute(call), resource.reader());
  }

  /** A page's resource version, and where the next page starts (empty after the last). */
  private record Page(String resourceVersion, String next) {}

  /** Reads a page's objects into {@code items}. */
  private Page readPage(Call call, List<T> items) throws ApiException {
    try (Response response = execute(call);
        JsonReader in = new JsonReader(response.body().charStream())) {
      Page page = new Page("", "");
      in.beginObject();
      while (in.hasNext()) {
        switch (in.nextName()) {
          case "metadata" -> page = readListMeta(in);
          case "items" -> ApiJson.elements(in, () -> items.add(resource.reader().read(in)));
          default -> in.skipValue();
        }
      }
      in.endObject();
      return page;
    } catch (IOException | IllegalStateException | NumberFormatException e) {
      // A broken connection, or what is not a list of the kind (Gson's IllegalStateException,
      // NumberFormatException): failed as a call fails.
      throw new ApiException(e);
    }
  }

  private static Page readListMeta(JsonReader in) throws IOException {
    if (ApiJson.isNull(in)) {
      return new Page("", "");
    }
    String resourceVersion = "";
    String next = "";
    in.beginObject();
    while (in.hasNext()) {
      switch (in.nextName()) {
        case "resourceVersion" -> resourceVersion = ApiJson.string(in);
        case "continue" -> next = ApiJson.string(in);
        default -> in.skipValue();
      }
    }
    in.endObject();
    return new Page(resourceVersion, next);
  }

  private Call newCall(List<Pair> query) throws ApiException {
    // The client adds its credentials to these collections: they must be mutable.
    Map<String, String> headers = new HashMap<>();
    headers.put("Accept", "application/json");
    return client.buildCall(
        client.getBasePath(),
        resource.path(),
        "GET",
        query,
        new ArrayList<>(),
        null,
        headers,
        new HashMap<>(),
        new HashMap<>(),
        AUTH,
        null);
  }

  /**
   * The call's response, when it succeeded; otherwise its HTTP code with the Status the server
   * answered with as the body (who may not do what), as client-java's own calls fail.
   */
  private static Response execute(Call call) throws ApiException {
    Response response;
    try {
      response = call.execute();
    } catch (IOException e) {
      throw new ApiException(e);
    }
    if (response.isSuccessful()) {
      return response;
    }
    try (response) {
      String body;
      try {
        body = response.body().string();
      } catch (IOException e) {
        body = "";
      }
      throw new ApiException(response.code(), response.headers().toMultimap(), body);
    }
  }
}
