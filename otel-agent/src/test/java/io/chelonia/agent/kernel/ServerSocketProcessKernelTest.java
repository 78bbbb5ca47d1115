package io.chelonia.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.testing.NetnsHosts;
import io.chelonia.agent.testing.TrafficPeerProcess;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Which process a server socket's record names, on the real kernel, with real processes in two
 * namespaces (root): the process holding it, as the process harvest meets it through its
 * descriptor, or, for a connection closed before any harvest, the process holding its listener as
 * the last harvest met it. What the record names is what names the server's end, and a client's
 * peer on this machine, without an owners pass.
 */
class ServerSocketProcessKernelTest {
  private static final Duration PEER_TIMEOUT = Duration.ofSeconds(60);
  private static final String SERVER = "orders-api";
  private static final String CLIENT = "checkout";

  private static NetnsHosts hosts() {
    return NetnsHosts.create(
        "chlwalk",
        List.of(
            InetAddress.ofLiteral("198.18.61.241"),
            InetAddress.ofLiteral("198.18.61.242"),
            InetAddress.ofLiteral("2001:db8:61::241"),
            InetAddress.ofLiteral("2001:db8:61::242")));
  }

  @Test
  void connectionsClosedBeforeAnyHarvestNameTheProcessHoldingTheirListener() {
    try (NetnsHosts hosts = hosts();
        KernelSockets kernel = KernelSockets.open(KernelOptions.defaults());
        TrafficPeerProcess server = server(hosts, "2")) {
      int port = listeningPort(server);
      // The harvest learns the listener, and who holds it, before the connections.
      kernel.harvestProcesses(HarvestMode.LISTENERS, socket -> {});
      try (TrafficPeerProcess client = client(hosts, port, "2")) {
        assertThat(client.awaitExit(PEER_TIMEOUT)).as(client.stderr()).isZero();
      }
      assertThat(server.awaitExit(PEER_TIMEOUT)).as(server.stderr()).isZero();

      List<SocketSnapshot> closed = new ArrayList<>();
      kernel.drainClosed(closed::add);

      assertThat(serverEnds(closed, hosts, port))
          .as("both accepted sockets, closed before any harvest met them")
          .hasSize(2)
          .allSatisfy(
              socket -> {
                assertThat(socket.pid()).isEqualTo((int) server.pid());
                assertThat(socket.comm()).isEqualTo(SERVER);
              });
    }
  }

  @Test
  void aListenerNoHarvestMetGivesItsConnectionsNoProcess() {
    try (NetnsHosts hosts = hosts();
        KernelSockets kernel = KernelSockets.open(KernelOptions.defaults());
        TrafficPeerProcess server = server(hosts, "1")) {
      int port = listeningPort(server);
      try (TrafficPeerProcess client = client(hosts, port, "1")) {
        assertThat(client.awaitExit(PEER_TIMEOUT)).as(client.stderr()).isZero();
      }
      assertThat(server.awaitExit(PEER_TIMEOUT)).as(server.stderr()).isZero();

      List<SocketSnapshot> closed = new ArrayList<>();
      kernel.drainClosed(closed::add);

      // Left to the owner index (a listener newer than the last harvest).
      assertThat(serverEnds(closed, hosts, port))
          .singleElement()
          .satisfies(
              socket -> {
                assertThat(socket.pid()).isZero();
                assertThat(socket.comm()).isEmpty();
              });
    }
  }

  @Test
  void aServerSocketTheHarvestMeetsNamesTheProcessHoldingIt() {
    try (NetnsHosts hosts = hosts();
        KernelSockets kernel = KernelSockets.open(KernelOptions.defaults());
        TrafficPeerProcess server = server(hosts, "1", "--hold")) {
      int port = listeningPort(server);
      // No harvest before the connection: its listener's process is not known at its birth.
      try (TrafficPeerProcess client = client(hosts, port, "1", "--hold")) {
        client.awaitLine("HELD", PEER_TIMEOUT);

        List<SocketSnapshot> live = new ArrayList<>();
        kernel.harvestProcesses(HarvestMode.CHANGED, live::add);

        assertThat(serverEnds(live, hosts, port))
            .singleElement()
            .satisfies(
                socket -> {
                  assertThat(socket.pid()).isEqualTo((int) server.pid());
                  assertThat(socket.comm()).isEqualTo(SERVER);
                  assertThat(socket.bornSeen()).isTrue();
                });
        // The client's own socket keeps the process the kernel saw connect.
        assertThat(
                live.stream()
                    .filter(s -> s.netns() == hosts.inode(hosts.nameA()) && s.remotePort() == port)
                    .toList())
            .singleElement()
            .satisfies(
                socket -> {
                  assertThat(socket.role()).isEqualTo(SocketRole.CLIENT);
                  assertThat(socket.pid()).isEqualTo((int) client.pid());
                  assertThat(socket.comm()).isEqualTo(CLIENT);
                });
        client.send("CLOSE");
        assertThat(client.awaitExit(PEER_TIMEOUT)).as(client.stderr()).isZero();
      }
      server.send("CLOSE");
      assertThat(server.awaitExit(PEER_TIMEOUT)).as(server.stderr()).isZero();
    }
  }

  /**
   * Sockets older than the agent, found by its first harvest: each is named by the process holding
   * it, the client's too (no task was seen connecting it; its role is not known).
   */
  @Test
  void socketsOlderThanTheAgentNameTheProcessesHoldingThem() {
    try (NetnsHosts hosts = hosts();
        TrafficPeerProcess server = server(hosts, "1", "--hold")) {
      int port = listeningPort(server);
      try (TrafficPeerProcess client = client(hosts, port, "1", "--hold")) {
        client.awaitLine("HELD", PEER_TIMEOUT);
        List<SocketSnapshot> found = new ArrayList<>();
        try (KernelSockets kernel = KernelSockets.open(KernelOptions.defaults())) {
          kernel.harvestProcesses(HarvestMode.LISTENERS, socket -> {});
          kernel.harvestProcesses(HarvestMode.ALL, found::add);
        }

        assertThat(serverEnds(found, hosts, port))
            .singleElement()
            .satisfies(
                socket -> {
                  assertThat(socket.discovered()).isTrue();
                  assertThat(socket.pid()).isEqualTo((int) server.pid());
                  assertThat(socket.comm()).isEqualTo(SERVER);
                });
        assertThat(
                found.stream()
                    .filter(s -> s.netns() == hosts.inode(hosts.nameA()) && s.remotePort() == port)
                    .toList())
            .singleElement()
            .satisfies(
                socket -> {
                  // No listener on its port, no backlog: the harvest cannot tell its role.
                  assertThat(socket.role()).isEqualTo(SocketRole.UNKNOWN);
                  assertThat(socket.pid()).isEqualTo((int) client.pid());
                  assertThat(socket.comm()).isEqualTo(CLIENT);
                });
        client.send("CLOSE");
        assertThat(client.awaitExit(PEER_TIMEOUT)).as(client.stderr()).isZero();
      }
      server.send("CLOSE");
      assertThat(server.awaitExit(PEER_TIMEOUT)).as(server.stderr()).isZero();
    }
  }

  private static TrafficPeerProcess server(NetnsHosts hosts, String... connectionsAndHold) {
    List<String> args =
        new ArrayList<>(List.of("server", hosts.ipv4B().getHostAddress(), "0", "300", "700"));
    args.addAll(List.of(connectionsAndHold));
    return TrafficPeerProcess.startAs(
        SERVER, Optional.of(hosts.nameB()), args.toArray(String[]::new));
  }

  private static TrafficPeerProcess client(
      NetnsHosts hosts, int port, String... connectionsAndHold) {
    List<String> args =
        new ArrayList<>(
            List.of("client", hosts.ipv4B().getHostAddress(), String.valueOf(port), "700", "300"));
    args.addAll(List.of(connectionsAndHold));
    return TrafficPeerProcess.startAs(
        CLIENT, Optional.of(hosts.nameA()), args.toArray(String[]::new));
  }

  private static int listeningPort(TrafficPeerProcess server) {
    return Integer.parseInt(server.awaitLine("LISTENING", PEER_TIMEOUT).split(" ")[1]);
  }

  /** The server's accepted sockets on that port, in B. */
  private static List<SocketSnapshot> serverEnds(
      List<SocketSnapshot> sockets, NetnsHosts hosts, int port) {
    long b = hosts.inode(hosts.nameB());
    return sockets.stream()
        .filter(s -> s.netns() == b && s.localPort() == port && s.role() == SocketRole.SERVER)
        .toList();
  }
}
