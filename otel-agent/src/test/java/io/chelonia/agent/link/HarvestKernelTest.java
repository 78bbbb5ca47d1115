package io.chelonia.agent.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.config.TracerConfig;
import io.chelonia.agent.identity.AddressResolver;
import io.chelonia.agent.kernel.KernelOptions;
import io.chelonia.agent.testing.Cleanup;
import io.chelonia.agent.testing.Links;
import io.chelonia.agent.testing.LoopbackWorkload;
import io.chelonia.agent.testing.NetnsHosts;
import io.chelonia.agent.testing.PeerExchange;
import io.chelonia.agent.testing.TrafficPeerProcess;
import io.chelonia.agent.tracing.SocketPoll;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The harvest on the real kernel: one pass over every process's sockets finds them in every
 * network namespace, those older than the agent and those in namespaces made after it started,
 * and stays exact; closes are never missed under concurrent churn. Needs root.
 */
class HarvestKernelTest {
  private static final int NAMESPACES = 50;
  private static final int FIRST_PORT = 20_000;

  private final List<AutoCloseable> resources = new ArrayList<>();
  private LinkPipeline pipeline;

  @AfterEach
  void cleanUp() {
    if (pipeline != null) {
      resources.add(pipeline);
    }
    Cleanup.closeAll(resources.reversed().toArray(AutoCloseable[]::new));
  }

  private LinkPipeline openPipeline() {
    return LinkPipeline.open(
        new TracerConfig(Duration.ofSeconds(1), KernelOptions.defaults(), true, false),
        new AddressResolver(), Set.of(), Clock.systemUTC());
  }

  private LoopbackWorkload workload(int number) {
    LoopbackWorkload workload = LoopbackWorkload.start(
        "w" + number, FIRST_PORT + number, 1_000 + number, 2_000 + number);
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
    SocketPoll first = pipeline.pollOnce();
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

    pipeline.pollOnce();

    assertThat(first.complete()).as("the first poll hands over every socket").isTrue();
    assertThat(first.namespaces()).isGreaterThanOrEqualTo(NAMESPACES / 2);
    for (Observer observer : Observer.values()) {
      for (LoopbackWorkload workload : older) {
        Link link = Links.only(pipeline.links(), workload.port(), observer);
        // Found older than the agent: counted from first sight, not opened here.
        assertThat(link.bytesClientToServer()).as("%s %s", observer, workload.port()).isEqualTo(300);
        assertThat(link.bytesServerToClient()).as("%s %s", observer, workload.port()).isEqualTo(400);
        assertThat(link.connectionsOpened()).isZero();
        assertThat(link.activeConnections()).isEqualTo(1);
      }
      for (LoopbackWorkload workload : newer) {
        int number = workload.port() - FIRST_PORT;
        Link link = Links.only(pipeline.links(), workload.port(), observer);
        assertThat(link.bytesClientToServer()).as("%s %s", observer, workload.port())
            .isEqualTo(1_000 + number + 300);
        assertThat(link.bytesServerToClient()).as("%s %s", observer, workload.port())
            .isEqualTo(2_000 + number + 400);
        assertThat(link.connectionsOpened()).isEqualTo(1);
        assertThat(link.activeConnections()).isEqualTo(1);
      }
    }

    older.forEach(LoopbackWorkload::hangUp);
    newer.forEach(LoopbackWorkload::hangUp);
    pipeline.pollOnce();
    for (LoopbackWorkload workload : older) {
      assertThat(Links.only(pipeline.links(), workload.port(), Observer.CLIENT).activeConnections()).isZero();
      assertThat(Links.only(pipeline.links(), workload.port(), Observer.SERVER).bytesServerToClient())
          .isEqualTo(400);
    }
    for (LoopbackWorkload workload : newer) {
      assertThat(Links.only(pipeline.links(), workload.port(), Observer.SERVER).activeConnections()).isZero();
    }
  }

  /**
   * Several clients at once make short connections (as pgbench -C does): state changes come back
   * to back in softirqs on both CPUs, where a tracing program interrupted on its own CPU is not run
   * again. Whatever the probes missed, every close is counted once, with its bytes.
   */
  @Test
  void shortConnectionsFromSeveralClientsAtOnceAreExactAndNoneStaysActive() {
    int clients = 4;
    int perClient = 2_500;
    NetnsHosts hosts = NetnsHosts.create();
    resources.add(hosts);
    pipeline = openPipeline();
    pipeline.pollOnce();
    String server = hosts.ipv4B().getHostAddress();
    TrafficPeerProcess listener = TrafficPeerProcess.start(Optional.of(hosts.nameB()), "server", server,
        "0", "3", "17", String.valueOf(clients * perClient));
    resources.add(listener);
    int port = PeerExchange.port(listener);
    List<TrafficPeerProcess> running = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      TrafficPeerProcess client = PeerExchange.startClient(port, Optional.of(hosts.nameA()), server,
          "17", "3", String.valueOf(perClient));
      resources.add(client);
      running.add(client);
    }
    for (TrafficPeerProcess client : running) {
      assertThat(client.awaitExit(PeerExchange.PEER_TIMEOUT)).as(client.stderr()).isZero();
    }
    assertThat(listener.awaitExit(PeerExchange.PEER_TIMEOUT)).as(listener.stderr()).isZero();

    pipeline.pollOnce();
    pipeline.pollOnce();

    for (Observer observer : Observer.values()) {
      Link link = Links.only(pipeline.links(), port, observer);
      assertThat(link.connectionsOpened()).as("%s opened", observer).isEqualTo(clients * perClient);
      assertThat(link.bytesClientToServer()).as("%s client to server", observer).isEqualTo(17L * clients * perClient);
      assertThat(link.bytesServerToClient()).as("%s server to client", observer).isEqualTo(3L * clients * perClient);
      assertThat(link.activeConnections()).as("%s active", observer).isZero();
      assertThat(link.failures()).isEmpty();
    }
    assertThat(pipeline.lastPoll().kernel().closedDropped()).isZero();
  }

  @Test
  void theProgramsAttachedAreReportedWithTheirRecursionMisses() {
    pipeline = openPipeline();

    pipeline.pollOnce();

    assertThat(pipeline.lastPoll().kernel().recursionMisses().keySet()).containsExactlyInAnyOrder(
        "on_state_change", "on_destroy", "on_error_report", "harvest_processes");
  }
}
