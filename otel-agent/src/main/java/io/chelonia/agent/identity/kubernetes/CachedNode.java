package io.chelonia.agent.identity.kubernetes;

import static io.chelonia.agent.identity.kubernetes.ApiJson.elements;
import static io.chelonia.agent.identity.kubernetes.ApiJson.field;
import static io.chelonia.agent.identity.kubernetes.ApiJson.isNull;
import static io.chelonia.agent.identity.kubernetes.ApiJson.string;

import com.google.gson.stream.JsonReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A Node, as naming needs it: its addresses (internal and external, not its host names), canonical
 * ({@link ClusterIndexes#canonical}), and its zone and region ({@link NodeTopology}), empty when
 * unlabelled.
 */
record CachedNode(String name, String resourceVersion, List<String> ips, String zone, String region)
    implements CachedObject {
  private static final Set<String> TOPOLOGY =
      Set.of(NodeTopology.ZONE_LABEL, NodeTopology.REGION_LABEL);

  @Override
  public String namespace() {
    return "";
  }

  @Override
  public ApiResource<CachedNode> resource() {
    return ApiResource.NODES;
  }

  static CachedNode read(JsonReader in) throws IOException {
    List<String> ips = new ArrayList<>(2);
    MetadataFields meta =
        MetadataFields.readObject(
            in,
            TOPOLOGY,
            name -> {
              if (name.equals("status")) {
                field(in, "addresses", () -> elements(in, () -> readAddress(in, ips)));
              } else {
                in.skipValue();
              }
            });
    return new CachedNode(
        meta.name(),
        meta.resourceVersion(),
        List.copyOf(ips),
        meta.labels().getOrDefault(NodeTopology.ZONE_LABEL, ""),
        meta.labels().getOrDefault(NodeTopology.REGION_LABEL, ""));
  }

  /** An address whose type ends in IP (InternalIP, ExternalIP); not a Hostname. */
  private static void readAddress(JsonReader in, List<String> ips) throws IOException {
    if (isNull(in)) {
      return;
    }
    String type = "";
    String address = "";
    in.beginObject();
    while (in.hasNext()) {
      switch (in.nextName()) {
        case "type" -> type = string(in);
        case "address" -> address = string(in);
        default -> in.skipValue();
      }
    }
    in.endObject();
    if (type.endsWith("IP")) {
      ClusterIndexes.addCanonical(ips, address);
    }
  }
}
