package io.chelonia.agent.identity.kubernetes;

import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceSpec;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The keys the cluster cache indexes objects by. Every address is in the canonical text form of
 * {@link InetAddress#getHostAddress()}, as the kernel's addresses print.
 */
final class ClusterIndexes {
  static final String BY_IP = "ip";
  static final String BY_UID = "uid";
  static final String BY_NODE_PORT = "node-port";
  private static final String NONE = "None";

  private ClusterIndexes() {}

  static List<String> podIps(V1Pod pod) {
    if (Boolean.TRUE.equals(pod.getSpec().getHostNetwork())
        || pod.getStatus() == null
        || pod.getStatus().getPodIPs() == null) {
      return List.of(); // a hostNetwork pod's address is its node's
    }
    return pod.getStatus().getPodIPs().stream().map(ip -> canonical(ip.getIp())).toList();
  }

  static List<String> podUid(V1Pod pod) {
    return List.of(pod.getMetadata().getUid());
  }

  /** A hostNetwork pod's container ports, as {@code node/port}. */
  static List<String> hostNetworkPorts(V1Pod pod) {
    if (!Boolean.TRUE.equals(pod.getSpec().getHostNetwork())
        || pod.getSpec().getNodeName() == null) {
      return List.of();
    }
    return pod.getSpec().getContainers().stream()
        .filter(container -> container.getPorts() != null)
        .flatMap(container -> container.getPorts().stream())
        .map(port -> nodePort(pod.getSpec().getNodeName(), port.getContainerPort()))
        .distinct()
        .toList();
  }

  static String nodePort(String node, int port) {
    return node + "/" + port;
  }

  static List<String> serviceIps(V1Service service) {
    V1ServiceSpec spec = service.getSpec();
    List<String> addresses = new ArrayList<>();
    if (spec != null) {
      addAll(addresses, spec.getClusterIPs());
      addAll(addresses, spec.getExternalIPs());
    }
    if (service.getStatus() != null
        && service.getStatus().getLoadBalancer() != null
        && service.getStatus().getLoadBalancer().getIngress() != null) {
      service
          .getStatus()
          .getLoadBalancer()
          .getIngress()
          .forEach(
              ingress -> {
                if (ingress.getIp() != null) {
                  addresses.add(canonical(ingress.getIp()));
                }
              });
    }
    return addresses;
  }

  private static void addAll(List<String> addresses, List<String> ips) {
    if (ips != null) {
      ips.stream()
          .filter(ip -> !ip.isEmpty() && !ip.equals(NONE))
          .map(ClusterIndexes::canonical)
          .forEach(addresses::add);
    }
  }

  static List<String> nodeIps(V1Node node) {
    if (node.getStatus() == null || node.getStatus().getAddresses() == null) {
      return List.of();
    }
    return node.getStatus().getAddresses().stream()
        .filter(address -> address.getType().endsWith("IP")) // InternalIP, ExternalIP; not Hostname
        .map(address -> canonical(address.getAddress()))
        .toList();
  }

  /**
   * Kubernetes writes {@code 2001:db8::1}; the kernel's address prints {@code
   * 2001:db8:0:0:0:0:0:1}.
   */
  static String canonical(String ip) {
    try {
      String canonical = InetAddress.ofLiteral(ip).getHostAddress();
      // The pod's own text when it is canonical already (IPv4): one String per address, not two.
      return canonical.equals(ip) ? ip : canonical;
    } catch (IllegalArgumentException e) {
      return ip;
    }
  }
}
