package io.chelonia.agent.link;

import static io.chelonia.agent.testing.PeerExchange.exchange;
import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.AddressResolver;
import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.kernel.KernelOptions;
import io.chelonia.agent.testing.HeldExchange;
import io.chelonia.agent.testing.Links;
import io.chelonia.agent.testing.NetnsHosts;
import io.chelonia.agent.testing.PeerExchange;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole data path on the real kernel: probes, ring buffer, namespace iterator, link table,
 * driven by real TCP traffic from other processes, on loopback and between two network-namespace
 * hosts. Needs root; fails, never skips, without it.
 */
class LinkPipelineKernelTest {
  @AutoClose private static NetnsHosts hosts;

  private LinkPipeline pipeline;

  @BeforeAll
  static void createHosts() {
    hosts = NetnsHosts.create();
  }

  @BeforeEach
  void attachProbes() {
    pipeline = openPipeline();
  }

  @AfterEach
  void detachProbes() {
    if (pipeline != null) {
      pipeline.close();
    }
  }

  private static LinkPipeline openPipeline() {
    return LinkPipeline.open(
        PipelineConfig.defaults().withLoopback(true),
        new AddressResolver(),
        Set.of(),
        Clock.systemUTC());
  }

  @Test
  void loopbackTransferShowsExactBytesBothWaysFromBothEnds() {
    pipeline.poll();
    int port = exchange(Optional.empty(), Optional.empty(), "127.0.0.1", 1_234_567, 7_654_321, 1);

    pipeline.poll();

    for (Observer observer : Observer.values()) {
      Link link = link(port, observer);
      assertThat(link.key().client()).isEqualTo(Endpoint.host("127.0.0.1"));
      assertThat(link.key().server()).isEqualTo(Endpoint.host("127.0.0.1"));
      assertThat(link.key().networkType()).isEqualTo(NetworkType.IPV4);
      assertThat(link.totals().bytesClientToServer())
          .as("%s client to server", observer)
          .isEqualTo(1_234_567);
      assertThat(link.totals().bytesServerToClient())
          .as("%s server to client", observer)
          .isEqualTo(7_654_321);
      assertThat(link.totals().connectionsOpened()).isEqualTo(1);
      assertThat(link.totals().activeConnections()).isZero();
      assertThat(link.totals().failures()).isEmpty();
    }
  }

  @Test
  void transferBetweenNamespaceHostsShowsExactBytesAndBothEnds() {
    int port = exchangeBetweenHosts(333_333, 55_555, 1);

    pipeline.poll();

    Link seenByClient = link(port, Observer.CLIENT);
    assertThat(seenByClient.key().client()).isEqualTo(Endpoint.host("198.18.0.1"));
    assertThat(seenByClient.key().server()).isEqualTo(Endpoint.external("198.18.0.2"));
    Link seenByServer = link(port, Observer.SERVER);
    assertThat(seenByServer.key().client()).isEqualTo(Endpoint.external("198.18.0.1"));
    assertThat(seenByServer.key().server()).isEqualTo(Endpoint.host("198.18.0.2"));
    for (Link link : List.of(seenByClient, seenByServer)) {
      assertThat(link.key().serverPort()).isEqualTo(port);
      assertThat(link.totals().bytesClientToServer()).isEqualTo(333_333);
      assertThat(link.totals().bytesServerToClient()).isEqualTo(55_555);
      assertThat(link.totals().connectionsOpened()).isEqualTo(1);
    }
  }

  @Test
  void ipv6TransferBetweenNamespaceHostsIsCountedAsIpv6() {
    int port =
        exchange(
            Optional.of(hosts.nameA()),
            Optional.of(hosts.nameB()),
            hosts.ipv6B().getHostAddress(),
            10_001,
            20_003,
            1);

    pipeline.poll();

    Link link = link(port, Observer.CLIENT);
    assertThat(link.key().networkType()).isEqualTo(NetworkType.IPV6);
    // Addresses read as written (RFC 5952), not as the JDK prints them (2001:db8:c4e1:0:0:0:0:1).
    assertThat(link.key().client().name()).isEqualTo("2001:db8:c4e1::1");
    assertThat(link.key().server().name()).isEqualTo("2001:db8:c4e1::2");
    assertThat(link.totals().bytesClientToServer()).isEqualTo(10_001);
    assertThat(link.totals().bytesServerToClient()).isEqualTo(20_003);
    assertThat(link(port, Observer.SERVER).totals().bytesClientToServer()).isEqualTo(10_001);
  }

  @Test
  void liveConnectionIsExactAtEveryPollAndKeepsItsBytesWhenItClosesBetweenPolls() {
    try (HeldExchange held = holdBetweenHosts(1001, 501, 1)) {
      int port = held.port();

      pipeline.poll();
      Link open = link(port, Observer.CLIENT);
      assertThat(open.totals().bytesClientToServer()).isEqualTo(1001);
      assertThat(open.totals().bytesServerToClient()).isEqualTo(501);
      assertThat(open.totals().activeConnections()).isEqualTo(1);

      held.sendMore(2222);
      hangUpAndPoll(held);
      for (Observer observer : Observer.values()) {
        Link closed = link(port, observer);
        assertThat(closed.totals().bytesClientToServer()).as("%s", observer).isEqualTo(1001 + 2222);
        assertThat(closed.totals().bytesServerToClient()).as("%s", observer).isEqualTo(501 + 2222);
        assertThat(closed.totals().connectionsOpened()).isEqualTo(1);
        assertThat(closed.totals().activeConnections()).isZero();
      }
    }
  }

  @Test
  void thousandShortConnectionsGiveExactlyThousandOpens() {
    int port = exchangeBetweenHosts(17, 3, 1000);

    LinkPoll poll = pipeline.poll();

    for (Observer observer : Observer.values()) {
      Link link = link(port, observer);
      assertThat(link.totals().connectionsOpened()).as("%s opens", observer).isEqualTo(1000);
      assertThat(link.totals().activeConnections()).isZero();
      assertThat(link.totals().bytesClientToServer()).isEqualTo(17_000);
      assertThat(link.totals().bytesServerToClient()).isEqualTo(3_000);
    }
    assertThat(poll.kernelDrops().ringBufferFull()).isZero();
    assertThat(poll.kernelDrops().untracked()).isZero();
  }

  @Test
  void closedSocketsThatFindTheRingBufferFullAreStillCountedExactlyAndTheEventIsCounted() {
    pipeline.close();
    // One page holds about 24 records: 300 closes between two polls overflow it many times.
    pipeline =
        LinkPipeline.open(
            PipelineConfig.defaults()
                .withLoopback(true)
                .withKernel(new KernelOptions(65_536, 8_192, 4096)),
            new AddressResolver(),
            Set.of(),
            Clock.systemUTC());
    pipeline.poll();

    int port = exchangeBetweenHosts(11, 7, 300);
    LinkPoll poll = pipeline.poll();

    Link link = link(port, Observer.CLIENT);
    assertThat(link.totals().connectionsOpened()).isEqualTo(300);
    assertThat(link.totals().bytesClientToServer()).isEqualTo(3_300);
    assertThat(link.totals().bytesServerToClient()).isEqualTo(2_100);
    assertThat(link.totals().activeConnections()).isZero();
    assertThat(poll.kernelDrops().ringBufferFull()).isPositive();
  }

  @Test
  void socketsBeyondTheMapSizeAreCountedAsNotTracked() {
    pipeline.close();
    pipeline =
        LinkPipeline.open(
            PipelineConfig.defaults()
                .withLoopback(true)
                .withKernel(new KernelOptions(4, 8_192, KernelOptions.DEFAULT_RING_BUFFER_BYTES)),
            new AddressResolver(),
            Set.of(),
            Clock.systemUTC());
    try (HeldExchange held = holdBetweenHosts(1, 1, 8)) {
      LinkPoll poll = pipeline.poll();

      // 8 connections are 16 sockets on this machine; the map holds 4.
      assertThat(poll.table().trackedSockets()).isLessThanOrEqualTo(4);
      assertThat(poll.kernelDrops().socketLimit()).isGreaterThanOrEqualTo(12);
      held.hangUp();
      assertThat(held.clientExit()).isZero();
    }
  }

  @Test
  void connectionOlderThanTheAgentIsFoundAndCountsOnlyLaterBytes() {
    pipeline.close();
    pipeline = null;
    try (HeldExchange held = holdBetweenHosts(5000, 4000, 1)) {
      int port = held.port();

      pipeline = openPipeline();
      pipeline.poll();
      for (Observer observer : Observer.values()) {
        Link found = link(port, observer);
        assertThat(found.totals().activeConnections()).as("%s active", observer).isEqualTo(1);
        assertThat(found.totals().connectionsOpened())
            .as("%s opened before the agent", observer)
            .isZero();
        assertThat(found.totals().bytesClientToServer()).isZero();
        assertThat(found.totals().bytesServerToClient()).isZero();
      }

      held.sendMore(3333);
      pipeline.poll();
      assertThat(link(port, Observer.CLIENT).totals().bytesClientToServer()).isEqualTo(3333);
      assertThat(link(port, Observer.CLIENT).totals().bytesServerToClient()).isEqualTo(3333);

      hangUpAndPoll(held);
      for (Observer observer : Observer.values()) {
        Link closed = link(port, observer);
        assertThat(closed.totals().bytesClientToServer())
            .as("%s after close", observer)
            .isEqualTo(3333);
        assertThat(closed.totals().bytesServerToClient())
            .as("%s after close", observer)
            .isEqualTo(3333);
        assertThat(closed.totals().activeConnections()).isZero();
      }
      // Both links were found under their own observer: the older sockets' roles were told right
      // (the machine-wide unknown-role count is not asserted: other software's sockets count too).
    }
  }

  @Test
  void refusedConnectionCountsAsRefusedFailure() {
    PeerExchange.connectRefused(Optional.of(hosts.nameA()), hosts.ipv4B().getHostAddress(), 9);

    pipeline.poll();

    Link link = link(9, Observer.CLIENT);
    assertThat(link.key().server()).isEqualTo(Endpoint.external("198.18.0.2"));
    assertThat(link.totals().failures()).isEqualTo(Map.of(FailureReason.REFUSED, 1L));
    assertThat(link.totals().connectionsOpened()).isZero();
    assertThat(link.totals().activeConnections()).isZero();
  }

  /** {@link PeerExchange#exchange} from a client on host A to a server on host B (198.18.0.2). */
  private static int exchangeBetweenHosts(long clientSends, long serverSends, int connections) {
    return exchange(
        Optional.of(hosts.nameA()),
        Optional.of(hosts.nameB()),
        hosts.ipv4B().getHostAddress(),
        clientSends,
        serverSends,
        connections);
  }

  /** A held exchange from a client on host A to a server on host B (198.18.0.2). */
  private static HeldExchange holdBetweenHosts(
      long clientSends, long serverSends, int connections) {
    return HeldExchange.start(
        Optional.of(hosts.nameA()),
        Optional.of(hosts.nameB()),
        hosts.ipv4B().getHostAddress(),
        clientSends,
        serverSends,
        connections);
  }

  /** Both ends close their connections and exit cleanly; then a poll. */
  private void hangUpAndPoll(HeldExchange held) {
    held.hangUp();
    assertThat(held.clientExit()).isZero();
    assertThat(held.serverExit()).isZero();
    pipeline.poll();
  }

  private Link link(int serverPort, Observer observer) {
    return Links.only(pipeline.table(), serverPort, observer);
  }
}
