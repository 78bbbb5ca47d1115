package io.chelonia.agent.identity;

import java.util.Objects;

/**
 * One end of a link, named in the user's terms: a workload in a namespace, a node, a process, an
 * external host. Until a resolver knows better, the name is the address.
 *
 * @param namespace Kubernetes namespace, or {@code node} / {@code external} / a host name
 * @param kind Deployment, StatefulSet, Service, Node, Process, Host, External...
 * @param name the workload, node, process or address
 * @param pod the pod, when pod names are switched on and the end is a pod; else empty
 * @param address the IP address, when addresses are switched on; else empty
 * @param zone the availability zone the end runs in (its node's topology.kubernetes.io/zone), empty
 *     when not known
 * @param region the region it runs in (topology.kubernetes.io/region), empty when not known
 */
public record Endpoint(
    String namespace,
    String kind,
    String name,
    String pod,
    String address,
    String zone,
    String region) {
  public static final String KIND_HOST = "Host";
  public static final String KIND_EXTERNAL = "External";

  /** A Kubernetes Service's address, which kube-proxy translates to one of its backends. */
  public static final String KIND_SERVICE = "Service";

  public static final String NAMESPACE_NODE = "node";
  public static final String NAMESPACE_EXTERNAL = "external";

  public Endpoint {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(pod, "pod");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(region, "region");
  }

  /** An end whose zone is not known. */
  public Endpoint(String namespace, String kind, String name, String pod, String address) {
    this(namespace, kind, name, pod, address, "", "");
  }

  /** An end without pod or address detail: what links are keyed by unless those are asked for. */
  public Endpoint(String namespace, String kind, String name) {
    this(namespace, kind, name, "", "");
  }

  /** An address on this node, not named yet. */
  public static Endpoint host(String address) {
    return new Endpoint(NAMESPACE_NODE, KIND_HOST, address);
  }

  /** An address elsewhere, not named yet. */
  public static Endpoint external(String address) {
    return new Endpoint(NAMESPACE_EXTERNAL, KIND_EXTERNAL, address);
  }

  /** Named by nothing but its address: what {@link AddressResolver} gives. */
  public boolean isBareAddress() {
    return (kind.equals(KIND_HOST) || kind.equals(KIND_EXTERNAL)) && isIpLiteral(name);
  }

  private static boolean isIpLiteral(String text) {
    if (text.indexOf(':') >= 0) {
      return true;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c != '.' && (c < '0' || c > '9')) {
        return false;
      }
    }
    return !text.isEmpty();
  }

  /** A Kubernetes Service: connections to it go on to one of its backends. */
  public boolean isService() {
    return kind.equals(KIND_SERVICE);
  }

  public Endpoint withPod(String pod) {
    return new Endpoint(namespace, kind, name, pod, address, zone, region);
  }

  public Endpoint withAddress(String address) {
    return new Endpoint(namespace, kind, name, pod, address, zone, region);
  }

  public Endpoint withTopology(String zone, String region) {
    return new Endpoint(namespace, kind, name, pod, address, zone, region);
  }

  @Override
  public String toString() {
    return namespace + "/" + kind + "/" + name;
  }
}
