package io.chelonia.agent.identity.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.ResolverChain;
import io.chelonia.agent.kernel.SocketOwnerIterator;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkPipeline;
import io.chelonia.agent.link.LinkPoll;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.link.PipelineConfig;
import io.chelonia.agent.testing.NetnsHosts;
import io.chelonia.agent.testing.PeerExchange;
import io.chelonia.agent.testing.TrafficPeerProcess;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Names on a machine without a cluster, on the real kernel with real processes (root). */
class LocalNamesKernelTest {
  private static final Duration PEER_TIMEOUT = Duration.ofSeconds(60);
  private static final String HOST = "test-host";

  @Test
  void twoProcessesInTwoNamespacesAreBothNamedByTheirProcessName() throws Exception {
    try (NetnsHosts hosts = NetnsHosts.create();
        LocalNames local = localNames();
        LinkPipeline pipeline = pipeline(local);
        TrafficPeerProcess server = heldServer(hosts, "orders-api", 300, 700, 1)) {
      int port = PeerExchange.port(server);
      try (TrafficPeerProcess client = heldClient(hosts, "checkout", port, 700, 300, 1)) {
        client.awaitLine("HELD", PEER_TIMEOUT);

        Endpoint checkout = new Endpoint(HOST, LocalNames.KIND_PROCESS, "checkout");
        Endpoint ordersApi = new Endpoint(HOST, LocalNames.KIND_PROCESS, "orders-api");
        // Names of ends first seen before the owner index knew them come at a later poll.
        List<Link> named = List.of();
        for (int poll = 0; poll < 80 && named.size() < 2; poll++) {
          pipeline.poll();
          named =
              pipeline.table().links().stream()
                  .filter(link -> link.key().serverPort() == port)
                  .filter(
                      link ->
                          link.key().client().equals(checkout)
                              && link.key().server().equals(ordersApi))
                  .toList();
          Thread.sleep(250);
        }

        List<Link> all = pipeline.table().links();
        assertThat(named)
            .as(
                "links to the server port: %s",
                all.stream().filter(l -> l.key().serverPort() == port).toList())
            .extracting(link -> link.key().observer())
            .containsExactlyInAnyOrder(Observer.CLIENT, Observer.SERVER);
        closeAll(client, server);
      }
    }
  }

  /**
   * Linux gives one local port to connections towards different destinations: here two client
   * processes bind the same address and port (SO_REUSEADDR) and each connects to its own server.
   * The server side must tell them apart by the whole four-tuple, not by the shared local port.
   */
  @Test
  void twoClientsSharingALocalPortAreEachNamedByTheirOwnProcessOnTheServerSide() throws Exception {
    String sharedPort = "40000";
    try (NetnsHosts hosts = NetnsHosts.create();
        LocalNames local = localNames();
        LinkPipeline pipeline = pipeline(local);
        TrafficPeerProcess orders = heldServer(hosts, "orders-api", 300, 700, 1);
        TrafficPeerProcess stock = heldServer(hosts, "stock-api", 30, 70, 1)) {
      int ordersPort = PeerExchange.port(orders);
      int stockPort = PeerExchange.port(stock);
      try (TrafficPeerProcess checkout =
              heldClient(hosts, "checkout", ordersPort, 700, 300, 1, "--local-port", sharedPort);
          TrafficPeerProcess holder =
              heldClient(hosts, "holder", stockPort, 70, 30, 1, "--local-port", sharedPort)) {
        checkout.awaitLine("HELD", PEER_TIMEOUT);
        holder.awaitLine("HELD", PEER_TIMEOUT);

        Endpoint ordersApi = new Endpoint(HOST, LocalNames.KIND_PROCESS, "orders-api");
        Endpoint stockApi = new Endpoint(HOST, LocalNames.KIND_PROCESS, "stock-api");
        List<Link> serverSide = List.of();
        for (int poll = 0;
            poll < 80 && !bothServersNamed(serverSide, ordersApi, stockApi);
            poll++) {
          pipeline.poll();
          serverSide =
              pipeline.table().links().stream()
                  .filter(link -> link.key().observer() == Observer.SERVER)
                  .filter(
                      link ->
                          link.key().serverPort() == ordersPort
                              || link.key().serverPort() == stockPort)
                  .filter(link -> !link.key().client().isBareAddress())
                  .toList();
          Thread.sleep(250);
        }

        assertThat(serverSide)
            .extracting(link -> link.key().client().name() + " -> " + link.key().server().name())
            .containsExactlyInAnyOrder("checkout -> orders-api", "holder -> stock-api");
        closeAll(checkout, holder, orders, stock);
      }
    }
  }

  /**
   * The race of a server that starts listening just before its first connection: the owner index
   * does not know it yet at the first poll. The socket waits for the rebuilt index instead of being
   * counted under the server's address first, so each side has ONE link, named, with every byte.
   */
  @Test
  void serverListeningJustBeforeItsFirstConnectionIsOneNamedLinkOnEachSide() throws Exception {
    try (NetnsHosts hosts = NetnsHosts.create();
        LocalNames local = localNames();
        LinkPipeline pipeline = pipeline(local)) {
      pipeline.poll();
      try (TrafficPeerProcess server = heldServer(hosts, "orders-api", 300, 700, 1)) {
        int port = PeerExchange.port(server);
        try (TrafficPeerProcess client = heldClient(hosts, "checkout", port, 700, 300, 1)) {
          client.awaitLine("HELD", PEER_TIMEOUT);

          pollUntilOpened(pipeline, port, 2);
          LinkPoll last = pipeline.poll();

          assertThat(linksTo(pipeline, port))
              .as("kernel drops %s, table %s", last.kernelDrops(), last.table())
              .extracting(LocalNamesKernelTest::describe)
              .containsExactlyInAnyOrder(
                  "CLIENT checkout -> orders-api 700/300 opened 1 active 1",
                  "SERVER checkout -> orders-api 700/300 opened 1 active 1");
          closeAll(client, server);
        }
      }
    }
  }

  /**
   * Short connections from a client that is gone before the first poll (its sockets and its
   * process): /proc cannot name it any more, but the kernel saw it connect. The server side names
   * its client by that record, as the client side does: one name on both sides, every byte.
   */
  @Test
  void clientGoneBeforeThePollIsNamedByItsProcessOnTheServerSideToo() throws Exception {
    try (NetnsHosts hosts = NetnsHosts.create();
        LocalNames local = localNames();
        LinkPipeline pipeline = pipeline(local);
        TrafficPeerProcess server = heldServer(hosts, "orders-api", 300, 700, 3)) {
      int port = PeerExchange.port(server);
      try (TrafficPeerProcess client = heldClient(hosts, "checkout", port, 700, 300, 3)) {
        client.awaitLine("HELD", PEER_TIMEOUT);
        closeAll(client);
      }

      assertThat(pollUntilOpened(pipeline, port, 6))
          .extracting(LocalNamesKernelTest::describe)
          .containsExactlyInAnyOrder(
              "CLIENT checkout -> orders-api 2100/900 opened 3 active 0",
              "SERVER checkout -> orders-api 2100/900 opened 3 active 3");
      closeAll(server);
    }
  }

  /** Tells each peer to close its connections, then waits for each to exit cleanly. */
  private static void closeAll(TrafficPeerProcess... peers) {
    for (TrafficPeerProcess peer : peers) {
      peer.send("CLOSE");
    }
    for (TrafficPeerProcess peer : peers) {
      assertThat(peer.awaitExit(PEER_TIMEOUT)).as("exit of %s", peer.pid()).isZero();
    }
  }

  /** A server process named {@code name} on host B, holding its connections until CLOSE. */
  private static TrafficPeerProcess heldServer(
      NetnsHosts hosts, String name, long sends, long receives, int connections) {
    return TrafficPeerProcess.startAs(
        name,
        Optional.of(hosts.nameB()),
        "server",
        "198.18.0.2",
        "0",
        String.valueOf(sends),
        String.valueOf(receives),
        String.valueOf(connections),
        "--hold");
  }

  /** A client process named {@code name} on host A to B's {@code port}, holding until CLOSE. */
  private static TrafficPeerProcess heldClient(
      NetnsHosts hosts,
      String name,
      int port,
      long sends,
      long receives,
      int connections,
      String... options) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "client",
                "198.18.0.2",
                String.valueOf(port),
                String.valueOf(sends),
                String.valueOf(receives),
                String.valueOf(connections),
                "--hold"));
    args.addAll(List.of(options));
    return TrafficPeerProcess.startAs(
        name, Optional.of(hosts.nameA()), args.toArray(String[]::new));
  }

  /** As the agent runs it: the owners from the kernel's owners iterator. */
  private static LocalNames localNames() {
    return new LocalNames(
        HOST,
        Path.of("/proc"),
        Optional.of(SocketOwnerIterator.open()),
        Path.of("/nonexistent/docker.sock"),
        Duration.ofSeconds(60));
  }

  private static LinkPipeline pipeline(LocalNames local) {
    return LinkPipeline.open(
        PipelineConfig.defaults(), new ResolverChain(List.of(local)), Set.of(), Clock.systemUTC());
  }

  /**
   * Polls a second apart, as an agent would, until the links to the port have opened that many
   * connections (both sides count) or ten polls went by; returns those links.
   */
  private static List<Link> pollUntilOpened(LinkPipeline pipeline, int port, long opened)
      throws InterruptedException {
    List<Link> toPort = List.of();
    for (int poll = 0;
        poll < 10
            && toPort.stream().mapToLong(link -> link.totals().connectionsOpened()).sum() < opened;
        poll++) {
      pipeline.poll();
      toPort = linksTo(pipeline, port);
      Thread.sleep(1_000);
    }
    return toPort;
  }

  private static List<Link> linksTo(LinkPipeline pipeline, int port) {
    return pipeline.table().links().stream()
        .filter(link -> link.key().serverPort() == port)
        .toList();
  }

  private static String describe(Link link) {
    return link.key().observer()
        + " "
        + link.key().client().name()
        + " -> "
        + link.key().server().name()
        + " "
        + link.totals().bytesClientToServer()
        + "/"
        + link.totals().bytesServerToClient()
        + " opened "
        + link.totals().connectionsOpened()
        + " active "
        + link.totals().activeConnections();
  }

  private static boolean bothServersNamed(List<Link> links, Endpoint first, Endpoint second) {
    return links.stream().anyMatch(link -> link.key().server().equals(first))
        && links.stream().anyMatch(link -> link.key().server().equals(second));
  }
}
