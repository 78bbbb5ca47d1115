package io.chelonia.agent.identity.kubernetes;

import java.net.InetAddress;
import java.util.List;

/**
 * The keys the cluster cache indexes objects by. Every address is in the canonical text form of
 * {@link InetAddress#getHostAddress()}, as the kernel's addresses print.
 */
final class ClusterIndexes {
  static final String BY_IP = "ip";
  static final String BY_UID = "uid";
  static final String BY_NODE_PORT = "node-port";

  /** What a headless Service's cluster address reads. */
  private static final String NONE = "None";

  private ClusterIndexes() {}

  static List<String> podIps(CachedPod pod) {
    return pod.hostNetwork() ? List.of() : pod.ips(); // a hostNetwork pod's address is its node's
  }

  static List<String> podUid(CachedPod pod) {
    return List.of(pod.uid());
  }

  /** A hostNetwork pod's container ports, as {@code node/port}. */
  static List<String> hostNetworkPorts(CachedPod pod) {
    if (!pod.hostNetwork() || pod.node().isEmpty()) {
      return List.of();
    }
    return pod.hostPorts().stream().map(port -> nodePort(pod.node(), port)).toList();
  }

  static String nodePort(String node, int port) {
    return node + "/" + port;
  }

  /** Adds {@code ip} in its canonical form; nothing for an empty address or a headless one. */
  static void addCanonical(List<String> addresses, String ip) {
    if (!ip.isEmpty() && !ip.equals(NONE)) {
      addresses.add(canonical(ip));
    }
  }

  /**
   * Kubernetes writes {@code 2001:db8::1}; the kernel's address prints {@code
   * 2001:db8:0:0:0:0:0:1}.
   */
  static String canonical(String ip) {
    try {
      String canonical = InetAddress.ofLiteral(ip).getHostAddress();
      // The object's own text when it is canonical already (IPv4): one String per address, not two.
      return canonical.equals(ip) ? ip : canonical;
    } catch (IllegalArgumentException e) {
      return ip;
    }
  }
}
