package io.chelonia.agent.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The traffic fixtures themselves: kernel tests trust their byte counts, so check them here. */
class TrafficPeerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  /** Created unconditionally: without namespaces the kernel tests cannot run, so this must fail. */
  @AutoClose private static NetnsHosts hosts;

  @BeforeAll
  static void createHosts() {
    hosts = NetnsHosts.create();
  }

  @Test
  void exchangesOverLoopback() {
    exchange(Optional.empty(), Optional.empty(), "127.0.0.1");
  }

  @Test
  void exchangesBetweenNamespacesOverIpv4() {
    exchange(
        Optional.of(hosts.nameB()), Optional.of(hosts.nameA()), hosts.ipv4B().getHostAddress());
  }

  @Test
  void exchangesBetweenNamespacesOverIpv6() {
    exchange(
        Optional.of(hosts.nameB()), Optional.of(hosts.nameA()), hosts.ipv6B().getHostAddress());
  }

  @Test
  void namespacesHaveTheirOwnInodes() {
    assertThat(hosts.inode(hosts.nameA())).isPositive().isNotEqualTo(hosts.inode(hosts.nameB()));
  }

  @Test
  void connectionToAClosedPortIsRefused() {
    try (var peer =
        TrafficPeerProcess.start(
            Optional.of(hosts.nameA()), "connect-refused", hosts.ipv4B().getHostAddress(), "9")) {
      assertExitsCleanly(peer);
    }
  }

  @Test
  void heldConnectionCarriesMoreBytesOnCommand() {
    String address = hosts.ipv4B().getHostAddress();
    try (var server =
            TrafficPeerProcess.start(
                Optional.of(hosts.nameB()), "server", address, "0", "100", "200", "1", "--hold");
        var client =
            TrafficPeerProcess.start(
                Optional.of(hosts.nameA()),
                "client",
                address,
                listeningPort(server),
                "200",
                "100",
                "1",
                "--hold")) {
      client.awaitLine("EXCHANGED 1", TIMEOUT);
      client.awaitLine("HELD", TIMEOUT);
      client.send("SEND 1000");
      client.awaitLine("SENT", TIMEOUT);
      client.send("CLOSE");
      assertExitsCleanly(client);
      server.send("CLOSE");
      assertExitsCleanly(server);
    }
  }

  /** Three connections: the server sends 12345 bytes and receives 54321 on each. */
  private static void exchange(
      Optional<String> serverNamespace, Optional<String> clientNamespace, String serverAddress) {
    try (var server =
            TrafficPeerProcess.start(
                serverNamespace, "server", serverAddress, "0", "12345", "54321", "3");
        var client =
            TrafficPeerProcess.start(
                clientNamespace,
                "client",
                serverAddress,
                listeningPort(server),
                "54321",
                "12345",
                "3")) {
      assertExitsCleanly(client);
      assertExitsCleanly(server);
    }
  }

  private static String listeningPort(TrafficPeerProcess server) {
    String port = server.awaitLine("LISTENING ", TIMEOUT).substring("LISTENING ".length());
    assertThat(Integer.parseInt(port)).isPositive();
    return port;
  }

  private static void assertExitsCleanly(TrafficPeerProcess peer) {
    int exitCode = peer.awaitExit(TIMEOUT);
    assertThat(exitCode)
        .as("exit code of TrafficPeer %d, stderr: %s", peer.pid(), peer.stderr())
        .isZero();
  }
}
