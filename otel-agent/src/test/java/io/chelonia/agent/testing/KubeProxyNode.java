package io.chelonia.agent.testing;

import io.chelonia.agent.lifecycle.Closing;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Kubernetes node as kube-proxy's iptables mode leaves it, in three network namespaces: the node,
 * and two backend hosts joined to it by veth pairs. The node's nat table sends the ClusterIP {@link
 * #SERVICE_IP}:80 to one of the backends at random, half each ({@code KUBE-SERVICES -> KUBE-SVC-...
 * -> KUBE-SEP-... DNAT}, with {@code -m statistic --mode random --probability 0.5}), and its filter
 * table rejects the ClusterIP {@link #EMPTY_SERVICE_IP}:80, a Service with no ready endpoints, as
 * kube-proxy does. The rules are in OUTPUT: a client on the node's network (hostNetwork) goes
 * through them. Needs root, iproute2 and iptables.
 */
public final class KubeProxyNode implements AutoCloseable {
  public static final InetAddress NODE_TO_A = InetAddress.ofLiteral("198.18.20.1");
  public static final InetAddress BACKEND_A = InetAddress.ofLiteral("198.18.20.2");
  public static final InetAddress NODE_TO_B = InetAddress.ofLiteral("198.18.20.5");
  public static final InetAddress BACKEND_B = InetAddress.ofLiteral("198.18.20.6");
  public static final InetAddress NODE_TO_POD = InetAddress.ofLiteral("198.18.20.9");

  /** A client pod on the node, in a namespace of its own: its connections cross PREROUTING. */
  public static final InetAddress CLIENT_POD = InetAddress.ofLiteral("198.18.20.10");

  public static final InetAddress SERVICE_IP = InetAddress.ofLiteral("198.19.200.10");
  public static final InetAddress EMPTY_SERVICE_IP = InetAddress.ofLiteral("198.19.200.11");
  public static final int SERVICE_PORT = 80;

  /** Both backends listen on this port (each in its own namespace), as one Deployment's pods do. */
  public static final int BACKEND_PORT = 8080;

  /** How long a backend may take to listen, and a client to finish. */
  public static final Duration PEER_TIMEOUT = Duration.ofSeconds(60);

  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final String node;
  private final String backendA;
  private final String backendB;
  private final String clientPod;
  private boolean closed;

  private KubeProxyNode(String prefix) {
    this.node = prefix + "-node";
    this.backendA = prefix + "-a";
    this.backendB = prefix + "-b";
    this.clientPod = prefix + "-c";
  }

  public static KubeProxyNode create() {
    KubeProxyNode created =
        new KubeProxyNode(
            "chl-ct-" + ProcessHandle.current().pid() + "-" + INSTANCES.getAndIncrement());
    try {
      created.setUp();
      return created;
    } catch (RuntimeException e) {
      throw Cleanup.closeAfter(e, created);
    }
  }

  private void setUp() {
    for (String ns : new String[] {node, backendA, backendB, clientPod}) {
      NetnsHosts.deleteNamespaceIfPresent(ns); // left by a killed run whose pid came back
      NetnsHosts.addNamespace(ns);
      NetnsHosts.runIn(ns, "ip", "link", "set", "lo", "up");
    }
    joinBackend(backendA, "eth-a", NODE_TO_A, BACKEND_A);
    joinBackend(backendB, "eth-b", NODE_TO_B, BACKEND_B);
    joinBackend(clientPod, "eth-c", NODE_TO_POD, CLIENT_POD);
    // The node routes between its pods, as a node does.
    NetnsHosts.runIn(node, "sysctl", "-qw", "net.ipv4.ip_forward=1");
    // The ClusterIP range needs a route for connect to get as far as the OUTPUT hook; it also
    // gives a node-network client its address, NODE_TO_A, whichever backend answers.
    NetnsHosts.runIn(node, "ip", "route", "add", "198.19.200.0/24", "dev", "eth-a");
    kubeProxyRules();
  }

  private void joinBackend(String backend, String nodeLink, InetAddress nodeIp, InetAddress ip) {
    NetnsHosts.runIn(
        node, "ip", "link", "add", nodeLink, "type", "veth", "peer", "name", "eth0", "netns",
        backend);
    NetnsHosts.runIn(
        node, "ip", "address", "add", nodeIp.getHostAddress() + "/30", "dev", nodeLink);
    NetnsHosts.runIn(node, "ip", "link", "set", nodeLink, "up");
    NetnsHosts.runIn(backend, "ip", "address", "add", ip.getHostAddress() + "/30", "dev", "eth0");
    NetnsHosts.runIn(backend, "ip", "link", "set", "eth0", "up");
    // Replies go back through the node whatever the client's address there, as a pod's do.
    NetnsHosts.runIn(backend, "ip", "route", "add", "default", "via", nodeIp.getHostAddress());
  }

  /**
   * The rules as kube-proxy hands them to iptables-restore (its MASQUERADE marks left out), for the
   * Service shop/orders-api with two endpoints and shop/empty-api with none.
   */
  private void kubeProxyRules() {
    String rules =
        """
        *filter
        :KUBE-SERVICES - [0:0]
        -A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" \
        -j KUBE-SERVICES
        -A KUBE-SERVICES -d %5$s/32 -p tcp -m comment --comment "shop/empty-api:http has no \
        endpoints" -m tcp --dport %2$d -j REJECT --reject-with icmp-port-unreachable
        COMMIT
        *nat
        :KUBE-SERVICES - [0:0]
        :KUBE-SVC-ORDERSAPIHTTP0 - [0:0]
        :KUBE-SEP-ORDERSAPIA0000 - [0:0]
        :KUBE-SEP-ORDERSAPIB0000 - [0:0]
        -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
        -A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
        -A KUBE-SERVICES -d %1$s/32 -p tcp -m comment --comment "shop/orders-api:http cluster \
        IP" -m tcp --dport %2$d -j KUBE-SVC-ORDERSAPIHTTP0
        -A KUBE-SVC-ORDERSAPIHTTP0 -m comment --comment "shop/orders-api:http -> %3$s:%6$d" \
        -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-ORDERSAPIA0000
        -A KUBE-SVC-ORDERSAPIHTTP0 -m comment --comment "shop/orders-api:http -> %4$s:%6$d" \
        -j KUBE-SEP-ORDERSAPIB0000
        -A KUBE-SEP-ORDERSAPIA0000 -p tcp -m comment --comment "shop/orders-api:http" -m tcp \
        -j DNAT --to-destination %3$s:%6$d
        -A KUBE-SEP-ORDERSAPIB0000 -p tcp -m comment --comment "shop/orders-api:http" -m tcp \
        -j DNAT --to-destination %4$s:%6$d
        COMMIT
        """
            .formatted(
                SERVICE_IP.getHostAddress(),
                SERVICE_PORT,
                BACKEND_A.getHostAddress(),
                BACKEND_B.getHostAddress(),
                EMPTY_SERVICE_IP.getHostAddress(),
                BACKEND_PORT);
    NetnsHosts.runWithInput(node, rules, "iptables-restore", "--noflush");
  }

  /** The node's namespace, where the rules are and where clients run. */
  public String node() {
    return node;
  }

  /** A pod's namespace whose connections the node translates in PREROUTING. */
  public String clientPod() {
    return clientPod;
  }

  /**
   * Calls the ClusterIP {@link #SERVICE_IP}:{@link #SERVICE_PORT} from {@code clientNamespace}
   * ({@link #node} or {@link #clientPod}) {@code connections} times, sending {@code request} and
   * reading {@code response} bytes each time, with both backends listening; returns once the client
   * has exited and the backends are gone. The connections' conntrack entries outlive them.
   *
   * @param localPort the client's local port, or 0 for one the kernel picks
   */
  @SuppressWarnings("try") // The backends only need to be listening, and to go at the end.
  public void callService(
      String clientNamespace, int localPort, long request, long response, int connections) {
    try (TrafficPeerProcess a = startBackend(backendA, response, request, connections);
        TrafficPeerProcess b = startBackend(backendB, response, request, connections);
        TrafficPeerProcess client =
            TrafficPeerProcess.start(
                Optional.of(clientNamespace),
                "client",
                SERVICE_IP.getHostAddress(),
                String.valueOf(SERVICE_PORT),
                String.valueOf(request),
                String.valueOf(response),
                String.valueOf(connections),
                "--local-port",
                String.valueOf(localPort))) {
      int exit = client.awaitExit(PEER_TIMEOUT);
      if (exit != 0) {
        throw new AssertionError("client exited with " + exit + ": " + client.stderr());
      }
    }
  }

  /**
   * Starts a backend server in one of the backend namespaces, on {@link #BACKEND_PORT}, and waits
   * until it listens. It serves up to {@code connections}: the rules decide how many it gets.
   */
  private static TrafficPeerProcess startBackend(
      String namespace, long bytesToSend, long bytesToReceive, int connections) {
    TrafficPeerProcess server =
        TrafficPeerProcess.start(
            Optional.of(namespace),
            "server",
            "0.0.0.0",
            String.valueOf(BACKEND_PORT),
            String.valueOf(bytesToSend),
            String.valueOf(bytesToReceive),
            String.valueOf(connections));
    try {
      server.awaitLine("LISTENING", PEER_TIMEOUT);
      return server;
    } catch (RuntimeException | AssertionError e) {
      server.close();
      throw e;
    }
  }

  /** The nsfs file of a namespace made here, to enter it by. */
  public static Path namespaceFile(String ns) {
    return Path.of("/run/netns", ns);
  }

  /** Deletes the three namespaces; the veth pairs and rules go with them. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    Closing.closeAll(
        () -> NetnsHosts.deleteNamespaceIfPresent(node),
        () -> NetnsHosts.deleteNamespaceIfPresent(backendA),
        () -> NetnsHosts.deleteNamespaceIfPresent(backendB),
        () -> NetnsHosts.deleteNamespaceIfPresent(clientPod));
  }
}
