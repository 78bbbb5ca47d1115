package io.chelonia.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.testing.NetnsHosts;
import io.chelonia.agent.testing.TrafficPeerProcess;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The owners iterator on the real kernel, with real processes in two namespaces (root). */
class SocketOwnerIteratorKernelTest {
  private static final Duration PEER_TIMEOUT = Duration.ofSeconds(60);
  private static final InetAddress ANY = InetAddress.ofLiteral("0.0.0.0");

  @Test
  void listsTheListenerAndBothEndsOfAConnectionWithTheirProcessesAndNamespaces() {
    try (NetnsHosts hosts = NetnsHosts.create();
        SocketOwnerIterator owners = SocketOwnerIterator.open();
        // Two connections awaited, one made: the server keeps listening while the test looks.
        TrafficPeerProcess server =
            TrafficPeerProcess.start(
                Optional.of(hosts.nameB()),
                "server",
                "198.18.0.2",
                "0",
                "10",
                "20",
                "2",
                "--hold")) {
      int port = Integer.parseInt(server.awaitLine("LISTENING", PEER_TIMEOUT).split(" ")[1]);
      try (TrafficPeerProcess client =
          TrafficPeerProcess.start(
              Optional.of(hosts.nameA()),
              "client",
              "198.18.0.2",
              String.valueOf(port),
              "20",
              "10",
              "1",
              "--hold")) {
        client.awaitLine("HELD", PEER_TIMEOUT);
        long a = hosts.inode(hosts.nameA());
        long b = hosts.inode(hosts.nameB());

        List<OwnedSocket> listed = owners.list();

        List<OwnedSocket> clients =
            listed.stream().filter(s -> s.netns() == a && s.remotePort() == port).toList();
        assertThat(clients).as("the client's socket, in A").hasSize(1);
        OwnedSocket clientEnd = clients.getFirst();
        assertThat(clientEnd)
            .isEqualTo(
                new OwnedSocket(
                    a,
                    (int) client.pid(),
                    false,
                    hosts.ipv4A(),
                    clientEnd.localPort(),
                    hosts.ipv4B(),
                    port));
        assertThat(listed)
            .as("in B: the listener and the accepted socket, both the server's")
            .filteredOn(s -> s.netns() == b && s.localPort() == port)
            .containsExactlyInAnyOrder(
                new OwnedSocket(b, (int) server.pid(), true, hosts.ipv4B(), port, ANY, 0),
                new OwnedSocket(
                    b,
                    (int) server.pid(),
                    false,
                    hosts.ipv4B(),
                    port,
                    hosts.ipv4A(),
                    clientEnd.localPort()));
        // A pass for B alone: exactly B's sockets, the same records.
        List<OwnedSocket> onlyB = owners.list(netns -> netns == b);
        assertThat(onlyB).isNotEmpty().allMatch(s -> s.netns() == b);
        assertThat(onlyB)
            .filteredOn(s -> s.localPort() == port)
            .containsExactlyInAnyOrderElementsOf(
                listed.stream().filter(s -> s.netns() == b && s.localPort() == port).toList());
        client.send("CLOSE");
        assertThat(client.awaitExit(PEER_TIMEOUT)).isZero();
      }
    }
  }
}
