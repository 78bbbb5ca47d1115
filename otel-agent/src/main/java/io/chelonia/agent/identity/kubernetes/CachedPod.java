package io.chelonia.agent.identity.kubernetes;

import static io.chelonia.agent.identity.kubernetes.ApiJson.bool;
import static io.chelonia.agent.identity.kubernetes.ApiJson.elements;
import static io.chelonia.agent.identity.kubernetes.ApiJson.field;
import static io.chelonia.agent.identity.kubernetes.ApiJson.fields;
import static io.chelonia.agent.identity.kubernetes.ApiJson.integer;
import static io.chelonia.agent.identity.kubernetes.ApiJson.shared;
import static io.chelonia.agent.identity.kubernetes.ApiJson.string;

import com.google.gson.stream.JsonReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A pod, as naming needs it: its addresses, the owner it is named after, its node and phase, and
 * (only when it shares its node's network) the ports its containers declare.
 *
 * @param createdSeconds creation time, seconds since the epoch: of two pods on one address, the
 *     newer one holds it
 * @param owner null for a pod no object owns
 * @param ips canonical ({@link ClusterIndexes#canonical}); a hostNetwork pod's are its node's
 * @param hostPorts empty unless {@code hostNetwork}
 */
record CachedPod(
    String namespace,
    String name,
    String uid,
    String resourceVersion,
    long createdSeconds,
    Owner owner,
    String node,
    String phase,
    boolean hostNetwork,
    List<String> ips,
    List<Integer> hostPorts)
    implements CachedObject {
  @Override
  public ApiResource<CachedPod> resource() {
    return ApiResource.PODS;
  }

  boolean isRunning() {
    return !"Succeeded".equals(phase) && !"Failed".equals(phase);
  }

  static CachedPod read(JsonReader in) throws IOException {
    Body body = new Body();
    MetadataFields meta =
        MetadataFields.readObject(
            in,
            Set.of(),
            field -> {
              switch (field) {
                case "spec" -> body.readSpec(in);
                case "status" -> body.readStatus(in);
                default -> in.skipValue();
              }
            });
    return new CachedPod(
        meta.namespace(),
        meta.name(),
        meta.uid(),
        meta.resourceVersion(),
        meta.createdSeconds(),
        meta.owner(),
        body.node,
        body.phase,
        body.hostNetwork,
        List.copyOf(body.ips),
        body.hostNetwork ? List.copyOf(body.ports) : List.of());
  }

  /** What is read of a pod's spec and status, as they are read. */
  private static final class Body {
    private String node = "";
    private boolean hostNetwork;
    private final List<Integer> ports = new ArrayList<>();
    private String phase = "";
    private final List<String> ips = new ArrayList<>(2);

    void readSpec(JsonReader in) throws IOException {
      fields(
          in,
          field -> {
            switch (field) {
              case "nodeName" -> node = shared(in);
              case "hostNetwork" -> hostNetwork = bool(in);
              case "containers" -> elements(in, () -> field(in, "ports", () -> readPorts(in)));
              default -> in.skipValue();
            }
          });
    }

    /** A container's declared ports, each port once over all containers. */
    private void readPorts(JsonReader in) throws IOException {
      elements(
          in,
          () ->
              field(
                  in,
                  "containerPort",
                  () -> {
                    int port = integer(in);
                    if (!ports.contains(port)) {
                      ports.add(port);
                    }
                  }));
    }

    void readStatus(JsonReader in) throws IOException {
      fields(
          in,
          field -> {
            switch (field) {
              case "phase" -> phase = shared(in);
              case "podIPs" ->
                  elements(
                      in,
                      () -> field(in, "ip", () -> ClusterIndexes.addCanonical(ips, string(in))));
              default -> in.skipValue();
            }
          });
    }
  }
}
