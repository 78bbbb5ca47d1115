package io.chelonia.agent.identity.kubernetes;

import static io.chelonia.agent.identity.kubernetes.ApiJson.bool;
import static io.chelonia.agent.identity.kubernetes.ApiJson.elements;
import static io.chelonia.agent.identity.kubernetes.ApiJson.field;
import static io.chelonia.agent.identity.kubernetes.ApiJson.integer;
import static io.chelonia.agent.identity.kubernetes.ApiJson.isNull;
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
  public String getApiVersion() {
    return "v1";
  }

  @Override
  public String getKind() {
    return "Pod";
  }

  boolean isRunning() {
    return !"Succeeded".equals(phase) && !"Failed".equals(phase);
  }

  static CachedPod read(JsonReader in) throws IOException {
    MetadataFields meta = MetadataFields.NONE;
    Spec spec = Spec.NONE;
    Status status = Status.NONE;
    in.beginObject();
    while (in.hasNext()) {
      switch (in.nextName()) {
        case "metadata" -> meta = MetadataFields.read(in, Set.of());
        case "spec" -> spec = Spec.read(in);
        case "status" -> status = Status.read(in);
        default -> in.skipValue();
      }
    }
    in.endObject();
    return new CachedPod(
        meta.namespace(),
        meta.name(),
        meta.uid(),
        meta.resourceVersion(),
        meta.createdSeconds(),
        meta.owner(),
        spec.node(),
        status.phase(),
        spec.hostNetwork(),
        status.ips(),
        spec.hostNetwork() ? spec.ports() : List.of());
  }

  /** What is read of a pod's spec: its ports are kept only when it shares the node's network. */
  private record Spec(String node, boolean hostNetwork, List<Integer> ports) {
    static final Spec NONE = new Spec("", false, List.of());

    static Spec read(JsonReader in) throws IOException {
      if (isNull(in)) {
        return NONE;
      }
      String node = "";
      boolean hostNetwork = false;
      List<Integer> ports = List.of();
      in.beginObject();
      while (in.hasNext()) {
        switch (in.nextName()) {
          case "nodeName" -> node = shared(in);
          case "hostNetwork" -> hostNetwork = bool(in);
          case "containers" -> ports = containerPorts(in);
          default -> in.skipValue();
        }
      }
      in.endObject();
      return new Spec(node, hostNetwork, ports);
    }

    /** Every container's declared ports, each once. */
    private static List<Integer> containerPorts(JsonReader in) throws IOException {
      List<Integer> ports = new ArrayList<>();
      elements(
          in,
          () ->
              field(
                  in,
                  "ports",
                  () ->
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
                                  }))));
      return List.copyOf(ports);
    }
  }

  /** What is read of a pod's status. */
  private record Status(String phase, List<String> ips) {
    static final Status NONE = new Status("", List.of());

    static Status read(JsonReader in) throws IOException {
      if (isNull(in)) {
        return NONE;
      }
      String phase = "";
      List<String> ips = List.of();
      in.beginObject();
      while (in.hasNext()) {
        switch (in.nextName()) {
          case "phase" -> phase = shared(in);
          case "podIPs" -> ips = podIps(in);
          default -> in.skipValue();
        }
      }
      in.endObject();
      return new Status(phase, ips);
    }

    private static List<String> podIps(JsonReader in) throws IOException {
      List<String> ips = new ArrayList<>(2);
      elements(in, () -> field(in, "ip", () -> ClusterIndexes.addCanonical(ips, string(in))));
      return List.copyOf(ips);
    }
  }
}
