package io.chelonia.agent.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.AddressResolver;
import io.chelonia.agent.lifecycle.Closing;
import io.chelonia.agent.testing.Links;
import io.chelonia.agent.testing.LoopbackWorkload;
import io.chelonia.agent.testing.NetnsHosts;
import io.chelonia.agent.testing.PeerExchange;
import io.chelonia.agent.testing.TrafficPeerProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The harvest on the real kernel: one pass over every process's sockets finds them in every network
 * namespace, those older than the agent and those in namespaces made after it started, and stays
 * exact; closes are never missed under concurrent churn. Needs root.
 */
class HarvestKernelTest {
  private static final int NAMESPACES = 50;

  /**
   * Links are named here by address only, so 127.0.0.1:port of every namespace is one link: the
   * workloads listen on ports below the ephemeral range that nothing else on a test machine uses
   * (agents of other builds pick their metrics ports from 20,000 up), a block of its own for each
   * JVM, so that this test run twice at once on one machine does not count the other's bytes.
   */
  private static final int FIRST_PORT =
      1_000 + (int) (ProcessHandle.current().pid() % 100) * NAMESPACES;

  private static final Set<String> UNSPECIFIED = Set.of("0.0.0.0", "::");

  private final List<AutoCloseable> resources = new ArrayList<>();
  private LinkPipeline pipeline;

  @AfterEach
  void cleanUp() {
    if (pipeline != null) {
      resources.add(pipeline);
    }
    Closing.closeAll(resources.reversed().toArray(AutoCloseable[]::new));
  }

  private LinkPipeline openPipeline() {
    return LinkPipeline.open(
        PipelineConfig.defaults().withLoopback(true),
        new AddressResolver(),
        Set.of(),
        Clock.systemUTC());
  }

  private LoopbackWorkload workload(int number) {
    LoopbackWorkload workload =
        LoopbackWorkload.start("w" + number, FIRST_PORT + number, 1_000 + number, 2_000 + number);
    resources.add(workload);
    return workload;
  }

  @Test
  void socketsInFiftyNamespacesOlderAndNewerThanTheAgentAreAllFoundAndExact() {
    List<LoopbackWorkload> older = new ArrayList<>();
    for (int i = 0; i < NAMESPACES / 2; i++) {
      older.add(workload(i));
    }
    pipeline = openPipeline();
    LinkPoll first = pipeline.poll();
    List<LoopbackWorkload> newer = new ArrayList<>();
    for (int i = NAMESPACES / 2; i < NAMESPACES; i++) {
      newer.add(workload(i));
    }
    for (LoopbackWorkload workload : older) {
      workload.send(300, 400);
    }
    for (LoopbackWorkload workload : newer) {
      workload.send(300, 400);
    }

    pipeline.poll();

    assertThat(first.namespaces()).isGreaterThanOrEqualTo(NAMESPACES / 2);
    for (Observer observer : Observer.values()) {
      for (LoopbackWorkload workload : older) {
        Link link = Links.only(pipeline.table(), workload.port(), observer);
        // Found older than the agent: counted from first sight, not opened here.
        assertThat(link.totals().bytesClientToServer())
            .as("%s %s", observer, workload.port())
            .isEqualTo(300);
        assertThat(link.totals().bytesServerToClient())
            .as("%s %s", observer, workload.port())
            .isEqualTo(400);
        assertThat(link.totals().connectionsOpened()).isZero();
        assertThat(link.totals().activeConnections()).isEqualTo(1);
      }
      for (LoopbackWorkload workload : newer) {
        int number = workload.port() - FIRST_PORT;
        Link link = Links.only(pipeline.table(), workload.port(), observer);
        assertThat(link.totals().bytesClientToServer())
            .as("%s %s", observer, workload.port())
            .isEqualTo(1_000 + number + 300);
        assertThat(link.totals().bytesServerToClient())
            .as("%s %s", observer, workload.port())
            .isEqualTo(2_000 + number + 400);
        assertThat(link.totals().connectionsOpened()).isEqualTo(1);
        assertThat(link.totals().activeConnections()).isEqualTo(1);
      }
    }

    older.forEach(LoopbackWorkload::hangUp);
    newer.forEach(LoopbackWorkload::hangUp);
    pipeline.poll();
    for (LoopbackWorkload workload : older) {
      assertThat(
              Links.only(pipeline.table(), workload.port(), Observer.CLIENT)
                  .totals()
                  .activeConnections())
          .isZero();
      assertThat(
              Links.only(pipeline.table(), workload.port(), Observer.SERVER)
                  .totals()
                  .bytesServerToClient())
          .isEqualTo(400);
    }
    for (LoopbackWorkload workload : newer) {
      assertThat(
              Links.only(pipeline.table(), workload.port(), Observer.SERVER)
                  .totals()
                  .activeConnections())
          .isZero();
    }
  }

  /**
   * Several clients at once make short connections (as pgbench -C does): state changes come back to
   * back in softirqs on both CPUs, where a tracing program interrupted on its own CPU is not run
   * again. Whatever the probes missed, every close is counted once, with its bytes.
   */
  @Test
  void shortConnectionsFromSeveralClientsAtOnceAreExactAndNoneStaysActive() {
    int clients = 4;
    int perClient = 2_500;
    NetnsHosts hosts = NetnsHosts.create();
    resources.add(hosts);
    pipeline = openPipeline();
    pipeline.poll();
    String server = hosts.ipv4B().getHostAddress();
    TrafficPeerProcess listener =
        TrafficPeerProcess.start(
            Optional.of(hosts.nameB()),
            "server",
            server,
            "0",
            "3",
            "17",
            String.valueOf(clients * perClient));
    resources.add(listener);
    int port = PeerExchange.port(listener);
    List<TrafficPeerProcess> running = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      TrafficPeerProcess client =
          PeerExchange.startClient(
              port, Optional.of(hosts.nameA()), server, "17", "3", String.valueOf(perClient));
      resources.add(client);
      running.add(client);
    }
    for (TrafficPeerProcess client : running) {
      assertThat(client.awaitExit(PeerExchange.PEER_TIMEOUT)).as(client.stderr()).isZero();
    }
    assertThat(listener.awaitExit(PeerExchange.PEER_TIMEOUT)).as(listener.stderr()).isZero();

    pipeline.poll();
    LinkPoll last = pipeline.poll();

    for (Observer observer : Observer.values()) {
      Link link = Links.only(pipeline.table(), port, observer);
      assertThat(link.totals().connectionsOpened())
          .as("%s opened", observer)
          .isEqualTo(clients * perClient);
      assertThat(link.totals().bytesClientToServer())
          .as("%s client to server", observer)
          .isEqualTo(17L * clients * perClient);
      assertThat(link.totals().bytesServerToClient())
          .as("%s server to client", observer)
          .isEqualTo(3L * clients * perClient);
      assertThat(link.totals().activeConnections()).as("%s active", observer).isZero();
      assertThat(link.totals().failures()).isEmpty();
    }
    assertThat(last.kernelDrops().closedDropped()).isZero();
  }

  /**
   * Sockets a process holds that never connected are in CLOSE: one bound to a port a listener held
   * before (a server between bind and listen, as a restarting server is), one bound on IPv6, one
   * never bound. None is a connection, so none is a link, however many harvests meet them.
   */
  @Test
  void socketsThatNeverConnectedAreNoLinks() throws IOException {
    pipeline = openPipeline();
    int port;
    try (ServerSocketChannel listener = ServerSocketChannel.open()) {
      listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
      pipeline.poll();
    }
    SocketChannel boundV4 = SocketChannel.open();
    resources.add(boundV4);
    boundV4.setOption(StandardSocketOptions.SO_REUSEADDR, true);
    boundV4.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    SocketChannel boundV6 = SocketChannel.open(StandardProtocolFamily.INET6);
    resources.add(boundV6);
    boundV6.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
    SocketChannel unbound = SocketChannel.open();
    resources.add(unbound);
    unbound.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
    int v6Port = ((InetSocketAddress) boundV6.getLocalAddress()).getPort();

    for (int i = 0; i < 4; i++) {
      pipeline.poll();
    }

    assertThat(pipeline.table().links())
        .filteredOn(
            l ->
                Set.of(0, port, v6Port).contains(l.key().serverPort())
                    || UNSPECIFIED.contains(l.key().client().address())
                    || UNSPECIFIED.contains(l.key().server().address()))
        .isEmpty();
  }

  @Test
  void theProgramsAttachedAreReportedWithTheirRecursionMisses() {
    pipeline = openPipeline();

    LinkPoll poll = pipeline.poll();

    assertThat(poll.kernelDrops().recursionMisses().keySet())
        .containsExactlyInAnyOrder(
            "on_state_change", "on_destroy", "on_error_report", "harvest_processes");
  }
}
