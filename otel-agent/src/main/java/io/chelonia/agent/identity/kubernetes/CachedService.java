package io.chelonia.agent.identity.kubernetes;

import static io.chelonia.agent.identity.kubernetes.ApiJson.elements;
import static io.chelonia.agent.identity.kubernetes.ApiJson.field;
import static io.chelonia.agent.identity.kubernetes.ApiJson.fields;
import static io.chelonia.agent.identity.kubernetes.ApiJson.string;

import com.google.gson.stream.JsonReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A Service, as naming needs it: the addresses it is reached at (cluster, external and
 * load-balancer), canonical ({@link ClusterIndexes#canonical}).
 */
record CachedService(String namespace, String name, String resourceVersion, List<String> ips)
    implements CachedObject {
  @Override
  public ApiResource<CachedService> resource() {
    return ApiResource.SERVICES;
  }

  static CachedService read(JsonReader in) throws IOException {
    List<String> ips = new ArrayList<>(2);
    MetadataFields meta =
        MetadataFields.readObject(
            in,
            Set.of(),
            field -> {
              switch (field) {
                case "spec" -> readSpec(in, ips);
                case "status" -> readStatus(in, ips);
                default -> in.skipValue();
              }
            });
    return new CachedService(
        meta.namespace(), meta.name(), meta.resourceVersion(), List.copyOf(ips));
  }

  private static void readSpec(JsonReader in, List<String> ips) throws IOException {
    fields(
        in,
        field -> {
          switch (field) {
            case "clusterIPs", "externalIPs" ->
                elements(in, () -> ClusterIndexes.addCanonical(ips, string(in)));
            default -> in.skipValue();
          }
        });
  }

  /** The load balancer's ingress addresses ({@code status.loadBalancer.ingress[].ip}). */
  private static void readStatus(JsonReader in, List<String> ips) throws IOException {
    field(
        in,
        "loadBalancer",
        () ->
            field(
                in,
                "ingress",
                () ->
                    elements(
                        in,
                        () ->
                            field(in, "ip", () -> ClusterIndexes.addCanonical(ips, string(in))))));
  }
}
