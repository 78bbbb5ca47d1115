package io.chelonia.agent.identity;

import java.util.Objects;

/**
 * One end of a link, named in the user's terms: a workload in a namespace, a node, a process, an
 * external host. Until a resolver knows better, the name is the address.
 *
 * @param namespace Kubernetes namespace, or {@code node} / {@code external} / a host name
 * @param kind Deployment, StatefulSet, Service, Node, Process, Host, External...
 * @param name the workload, node, process or address
 */
public record Endpoint(String namespace, String kind, String name) {
  public static final String KIND_HOST = "Host";
  public static final String KIND_EXTERNAL = "External";
  public static final String NAMESPACE_NODE = "node";
  public static final String NAMESPACE_EXTERNAL = "external";

  public Endpoint {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
  }

  /** An address on this node, not named yet. */
  public static Endpoint host(String address) {
    return new Endpoint(NAMESPACE_NODE, KIND_HOST, address);
  }

  /** An address elsewhere, not named yet. */
  public static Endpoint external(String address) {
    return new Endpoint(NAMESPACE_EXTERNAL, KIND_EXTERNAL, address);
  }

  @Override
  public String toString() {
    return namespace + "/" + kind + "/" + name;
  }
}
