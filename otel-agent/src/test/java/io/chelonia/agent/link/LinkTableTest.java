package io.chelonia.agent.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chelonia.agent.identity.AddressResolver;
import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.EndpointQuery;
import io.chelonia.agent.identity.EndpointResolver;
import io.chelonia.agent.identity.NameSource;
import io.chelonia.agent.identity.ResolverChain;
import io.chelonia.agent.kernel.KernelCounters;
import io.chelonia.agent.kernel.SocketSnapshot;
import io.chelonia.agent.testing.Sockets;
import io.chelonia.agent.tracing.SocketPoll;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LinkTableTest {
  private static final PortRange EPHEMERAL = new PortRange(32768, 60999);
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  private static final int ECONNRESET = 104;
  private static final int EHOSTUNREACH = 113;
  private static final int ECONNREFUSED = 111;

  private static final String CLIENT_IP = "10.0.0.1";
  private static final String SERVER_IP = "10.0.0.2";

  /** Counts a socket under its address at once, as the renaming tests need. */
  private static final int NO_NAMING_WAIT = 0;

  private static final Endpoint WEB = new Endpoint("shop", "Deployment", "web");
  private static final Endpoint CART = new Endpoint("shop", "Deployment", "cart");

  private final LinkTable table = new LinkTable(new AddressResolver(), EPHEMERAL);
  private int polls;

  // --- deltas ------------------------------------------------------------------------------

  @Test
  void clientSocketSeenTwiceAddsOnlyTheGrowthOfItsCounters() {
    Sockets conn = Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).established();

    poll(live(conn.sent(1_000).received(4_000)));
    Link first = onlyLink();
    assertThat(first.totals().bytesClientToServer()).isEqualTo(1_000);
    assertThat(first.totals().bytesServerToClient()).isEqualTo(4_000);

    poll(live(conn.sent(1_500).received(6_500)));
    Link second = onlyLink();
    assertThat(second.key().observer()).isEqualTo(Observer.CLIENT);
    assertThat(second.totals().bytesClientToServer()).isEqualTo(1_500);
    assertThat(second.totals().bytesServerToClient()).isEqualTo(6_500);
  }

  @Test
  void serverSocketCountsReceivedBytesAsClientToServerAndKeysTheLinkByTheLocalPort() {
    Sockets accepted = Sockets.server(SERVER_IP, 5432, CLIENT_IP, 41000).established();

    poll(live(accepted.sent(300).received(700)));

    Link link = onlyLink();
    assertThat(link.key()).isEqualTo(keySeenBy(Observer.SERVER, 5432));
    assertThat(link.totals().bytesClientToServer()).isEqualTo(700);
    assertThat(link.totals().bytesServerToClient()).isEqualTo(300);
  }

  @Test
  void clientLinkIsKeyedByTheRemotePortWithTheLocalEndAsClient() {
    poll(live(Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).established()));

    assertThat(onlyLink().key()).isEqualTo(keySeenBy(Observer.CLIENT, 5432));
  }

  @Test
  void shortLivedSocketSeenOnlyClosedAddsItsBytesOnceAndIsNotActive() {
    poll(
        closed(
            Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432)
                .established()
                .sent(120)
                .received(3_400)
                .closed()));
    poll();

    Link link = onlyLink();
    assertCounts(link, 120, 3_400, 1, 0);
    assertThat(link.totals().failures()).isEmpty();
    assertThat(table.counters().trackedSockets()).isZero();
  }

  @Test
  void socketSeenLiveThenClosedCountsItsBytesExactlyOnce() {
    Sockets conn = Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).established();

    poll(live(conn.sent(1_000).received(2_000)));
    assertThat(onlyLink().totals().activeConnections()).isEqualTo(1);

    poll(closed(conn.sent(1_800).received(2_600).closed()));
    Link link = onlyLink();
    assertCounts(link, 1_800, 2_600, 1, 0);
    assertThat(table.counters().trackedSockets()).isZero();
  }

  @Test
  void twoLivesOfTheSameFourTupleAreTwoSocketsThatNeverMixCounters() {
    Sockets firstLife = Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).cookie(1).established();
    Sockets secondLife = Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).cookie(2).established();

    poll(live(firstLife.sent(1_000).received(5_000)));
    // The kernel reused the 4-tuple: the new life is live while the old one's close is harvested.
    poll(
        List.of(secondLife.sent(100).received(200).build()),
        List.of(firstLife.sent(1_500).received(5_500).closed().build()));
    poll(live(secondLife.sent(400).received(900)));

    Link link = onlyLink();
    assertCounts(link, 1_500 + 400, 5_500 + 900, 2, 1);
    assertThat(table.counters().trackedSockets()).isEqualTo(1);
  }

  @Test
  void thousandShortConnectionsFromEphemeralPortsMakeOneLink() {
    for (int batch = 0; batch < 10; batch++) {
      List<SocketSnapshot> closed = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        int port = 32768 + batch * 100 + i;
        closed.add(
            Sockets.client(CLIENT_IP, port, SERVER_IP, 443)
                .established()
                .sent(10)
                .received(20)
                .closed()
                .build());
      }
      poll(List.of(), closed);
    }

    Link link = onlyLink();
    assertThat(link.key().serverPort()).isEqualTo(443);
    assertThat(link.totals().connectionsOpened()).isEqualTo(1_000);
    assertThat(link.totals().activeConnections()).isZero();
    assertThat(link.totals().bytesClientToServer()).isEqualTo(10_000);
    assertThat(link.totals().bytesServerToClient()).isEqualTo(20_000);
  }

  @Test
  void linkIsFirstSeenAtItsFirstPollAndLastSeenAtItsLatest() {
    Sockets conn = Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).established();

    poll(live(conn.sent(1)));
    poll(live(conn.sent(2)));
    poll(live(conn.sent(3)));

    Link link = onlyLink();
    assertThat(link.firstSeen()).isEqualTo(T0);
    assertThat(link.lastSeen()).isEqualTo(T0.plusSeconds(2));
  }

  // --- older sockets -----------------------------------------------------------------------

  @Test
  void discoveredEstablishedSocketIsActiveButNotOpened() {
    poll(
        live(
            Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).discovered().established().sent(50)));

    Link link = onlyLink();
    assertThat(link.totals().activeConnections()).isEqualTo(1);
    assertThat(link.totals().connectionsOpened()).isZero();
  }

  @Test
  void discoveredSocketCountsOnlyRetransmitsAfterItWasFound() {
    Sockets older = Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).discovered().established();

    poll(live(older.retransmits(7)));
    assertThat(onlyLink().totals().retransmits()).isZero();

    poll(live(older.retransmits(9)));
    assertThat(onlyLink().totals().retransmits()).isEqualTo(2);
  }

  @Test
  void socketSeenBornCountsItsRetransmitsFromFirstSight() {
    Sockets conn = Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).bornSeen().established();

    poll(live(conn.retransmits(3)));
    poll(live(conn.retransmits(5)));

    assertThat(onlyLink().totals().retransmits()).isEqualTo(5);
  }

  // --- failures ----------------------------------------------------------------------------

  @Test
  void neverEstablishedSocketClosedWithConnectionRefusedIsRefused() {
    poll(closed(Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).error(ECONNREFUSED).closed()));

    Link link = onlyLink();
    assertThat(link.totals().failures()).isEqualTo(Map.of(FailureReason.REFUSED, 1L));
    assertThat(link.totals().connectionsOpened()).isZero();
    assertThat(link.totals().activeConnections()).isZero();
  }

  @Test
  void neverEstablishedSocketWithOnlyASoftHostUnreachableIsUnreachable() {
    poll(
        closed(
            Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432)
                .error(0)
                .softError(EHOSTUNREACH)
                .closed()));

    assertThat(onlyLink().totals().failures()).isEqualTo(Map.of(FailureReason.UNREACHABLE, 1L));
  }

  @Test
  void neverEstablishedSocketWithNoErrorAtAllTimedOut() {
    poll(closed(Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).closed()));

    assertThat(onlyLink().totals().failures()).isEqualTo(Map.of(FailureReason.TIMEOUT, 1L));
  }

  @Test
  void establishedSocketClosedByConnectionResetIsReset() {
    Sockets conn = Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).established();
    poll(live(conn.sent(10)));
    poll(closed(conn.sent(10).error(ECONNRESET).closed()));

    Link link = onlyLink();
    assertThat(link.totals().failures()).isEqualTo(Map.of(FailureReason.RESET, 1L));
    assertThat(link.totals().failureCount()).isEqualTo(1);
    assertThat(link.totals().connectionsOpened()).isEqualTo(1);
    assertThat(link.totals().activeConnections()).isZero();
  }

  @Test
  void establishedSocketClosedNormallyIsNoFailure() {
    poll(closed(Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).established().sent(10).closed()));

    assertThat(onlyLink().totals().failures()).isEmpty();
    assertThat(onlyLink().totals().failureCount()).isZero();
  }

  // --- role fallback -----------------------------------------------------------------------

  @Test
  void socketOfUnknownRoleOnAnEphemeralLocalPortIsAClient() {
    poll(live(Sockets.unknownRole(CLIENT_IP, 45000, SERVER_IP, 8080).discovered().established()));

    LinkKey key = onlyLink().key();
    assertThat(key.observer()).isEqualTo(Observer.CLIENT);
    assertThat(key.client()).isEqualTo(Endpoint.host(CLIENT_IP));
    assertThat(key.server()).isEqualTo(Endpoint.external(SERVER_IP));
    assertThat(key.serverPort()).isEqualTo(8080);
    assertThat(table.counters().unknownRoleSockets()).isZero();
  }

  @Test
  void socketOfUnknownRoleWithNeitherPortEphemeralTakesTheLowerPortAsTheServers() {
    // Local 9000, remote 5432: the remote is the server, this end dialled out.
    poll(live(Sockets.unknownRole(CLIENT_IP, 9000, SERVER_IP, 5432).discovered().established()));
    // Local 443, remote 20000: this end is the server.
    poll(live(Sockets.unknownRole(SERVER_IP, 443, CLIENT_IP, 20000).discovered().established()));

    Map<Observer, LinkKey> keys = new HashMap<>();
    table.links().forEach(link -> keys.put(link.key().observer(), link.key()));
    assertThat(keys).hasSize(2);
    assertThat(keys.get(Observer.CLIENT)).isEqualTo(keySeenBy(Observer.CLIENT, 5432));
    assertThat(keys.get(Observer.SERVER)).isEqualTo(keySeenBy(Observer.SERVER, 443));
  }

  @Test
  void socketOfUnknownRoleWhosePeerIsAServerSocketOfTheHarvestIsItsClientWhateverItsPort() {
    // Both ends on this node, older than the agent: the client's namespace hands out ports from
    // 10000, below the node's ephemeral range, and the server's port is the higher one.
    List<SocketSnapshot> sockets = new ArrayList<>();
    for (int port = 10000; port < 10010; port++) {
      sockets.add(
          Sockets.unknownRole(CLIENT_IP, port, SERVER_IP, 46201)
              .netns(1)
              .discovered()
              .established()
              .build());
      sockets.add(
          Sockets.server(SERVER_IP, 46201, CLIENT_IP, port)
              .netns(2)
              .discovered()
              .established()
              .build());
    }
    poll(sockets, List.of());

    Map<Observer, Link> links = new HashMap<>();
    table.links().forEach(link -> links.put(link.key().observer(), link));
    assertThat(links).hasSize(2);
    assertThat(links.get(Observer.CLIENT).key().serverPort()).isEqualTo(46201);
    assertThat(links.get(Observer.CLIENT).totals().activeConnections()).isEqualTo(10);
    assertThat(links.get(Observer.SERVER).key().serverPort()).isEqualTo(46201);
    assertThat(links.get(Observer.SERVER).totals().activeConnections()).isEqualTo(10);
    assertThat(table.counters().unknownRoleSockets()).isZero();
  }

  @Test
  void aLoopbackServerAnswersOnlyInItsOwnNamespace() {
    // A server on 127.0.0.1:46201 in namespace 2 says nothing of a socket in namespace 1.
    poll(
        List.of(
            Sockets.unknownRole("127.0.0.1", 10000, "127.0.0.1", 46201)
                .netns(1)
                .discovered()
                .established()
                .build(),
            Sockets.server("127.0.0.1", 46201, "127.0.0.1", 10001)
                .netns(2)
                .discovered()
                .established()
                .build()),
        List.of());

    assertThat(table.links())
        .filteredOn(link -> link.key().serverPort() == 10000)
        .singleElement()
        .satisfies(link -> assertThat(link.key().observer()).isEqualTo(Observer.SERVER));
    assertThat(table.counters().unknownRoleSockets()).isEqualTo(1);
  }

  @Test
  void socketOfUnknownRoleIsCountedOnceHoweverManyPollsSeeIt() {
    Sockets guessed =
        Sockets.unknownRole(CLIENT_IP, 9000, SERVER_IP, 5432).discovered().established();

    poll(live(guessed.sent(1)));
    poll(live(guessed.sent(2)));
    poll(live(guessed.sent(3)));

    assertThat(table.counters().unknownRoleSockets()).isEqualTo(1);
  }

  // --- lost sockets ------------------------------------------------------------------------

  @Test
  void socketAbsentFromPollsOfChangesOnlyKeepsItsCountsAndIsNeverLost() {
    Sockets held = Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).established();
    poll(live(held.sent(10)));
    for (int i = 0; i < 100; i++) {
      pollChangedOnly();
    }
    pollChangedOnly(held.sent(25).build());

    assertThat(table.counters().lostSockets()).isZero();
    assertThat(table.counters().trackedSockets()).isEqualTo(1);
    Link link = onlyLink();
    assertThat(link.totals().bytesClientToServer()).isEqualTo(25);
    assertThat(link.totals().activeConnections()).isEqualTo(1);
  }

  @Test
  void socketMissingFromFewerCompleteHarvestsThanTheLimitIsStillFollowed() {
    poll(live(Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).established()));
    for (int i = 0; i < LinkTable.COMPLETE_HARVESTS_BEFORE_LOST - 1; i++) {
      poll();
    }

    assertThat(table.counters().trackedSockets()).isEqualTo(1);
    assertThat(table.counters().lostSockets()).isZero();
    assertThat(onlyLink().totals().activeConnections()).isEqualTo(1);
  }

  @Test
  void socketMissingFromTwoCompleteHarvestsWithoutACloseRecordIsLost() {
    assertThat(LinkTable.COMPLETE_HARVESTS_BEFORE_LOST).isEqualTo(2);
    poll(live(Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).established().sent(10)));

    poll();
    poll();

    assertThat(table.counters().lostSockets()).isEqualTo(1);
    assertThat(table.counters().trackedSockets()).isZero();
    Link link = onlyLink();
    assertThat(link.totals().activeConnections()).isZero();
    assertThat(link.totals().connectionsOpened()).isEqualTo(1);
    assertThat(link.totals().failures()).isEmpty();
    assertThat(link.totals().bytesClientToServer()).isEqualTo(10);
  }

  // --- names -------------------------------------------------------------------------------

  @Test
  void socketKeepsTheNamesItWasGivenAtFirstSightWhileANewSocketGetsNewOnes() {
    LinkTable renaming = new LinkTable(new RenamingResolver(), EPHEMERAL);
    Sockets first = Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).cookie(1).established();
    Sockets second = Sockets.client(CLIENT_IP, 40001, SERVER_IP, 5432).cookie(2).established();

    renaming.apply(pollOf(T0, List.of(first.sent(100).build()), List.of()));
    renaming.apply(
        pollOf(
            T0.plusSeconds(1),
            List.of(first.sent(250).build(), second.sent(40).build()),
            List.of()));

    List<Link> links = new ArrayList<>(renaming.links());
    links.sort(Comparator.comparing(link -> link.key().server().name()));
    assertThat(links).hasSize(2);
    assertThat(links.get(0).key().client()).isEqualTo(Endpoint.host(CLIENT_IP + "#1"));
    assertThat(links.get(0).key().server()).isEqualTo(Endpoint.external(SERVER_IP + "#1"));
    assertThat(links.get(0).totals().bytesClientToServer()).isEqualTo(250);
    assertThat(links.get(1).key().client()).isEqualTo(Endpoint.host(CLIENT_IP + "#2"));
    assertThat(links.get(1).key().server()).isEqualTo(Endpoint.external(SERVER_IP + "#2"));
    assertThat(links.get(1).totals().bytesClientToServer()).isEqualTo(40);
  }

  @Test
  void resolverIsAskedOncePerSocketEndNotOncePerPoll() {
    RenamingResolver resolver = new RenamingResolver();
    LinkTable counting = new LinkTable(resolver, EPHEMERAL);
    Sockets conn = Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).established();

    for (int i = 0; i < 5; i++) {
      counting.apply(pollOf(T0.plusSeconds(i), List.of(conn.sent(10L * i).build()), List.of()));
    }

    assertThat(resolver.calls.get()).isEqualTo(2);
  }

  @Test
  void endKnownOnlyByItsAddressIsAskedAgainAndLaterTrafficGoesToTheNamedLink() {
    AtomicInteger asked = new AtomicInteger();
    // The server's name arrives late (a watch event on its way): bare address until the 3rd ask.
    NameSource lateName =
        query ->
            !query.local() && asked.incrementAndGet() >= 3
                ? java.util.Optional.of(new Endpoint("shop", "Deployment", "cart"))
                : java.util.Optional.empty();
    LinkTable late = new LinkTable(new ResolverChain(List.of(lateName)), EPHEMERAL, NO_NAMING_WAIT);
    Sockets conn = Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).established();

    late.apply(pollOf(T0, List.of(conn.sent(100).build()), List.of())); // ask 1
    late.apply(pollOf(T0.plusSeconds(1), List.of(conn.sent(150).build()), List.of())); // ask 2
    late.apply(pollOf(T0.plusSeconds(2), List.of(conn.sent(180).build()), List.of())); // no ask
    late.apply(
        pollOf(T0.plusSeconds(3), List.of(conn.sent(400).build()), List.of())); // ask 3: named

    Map<String, Link> byServer = new HashMap<>();
    late.links().forEach(link -> byServer.put(link.key().server().name(), link));
    assertThat(byServer.get(SERVER_IP).totals().bytesClientToServer()).isEqualTo(180);
    assertThat(byServer.get(SERVER_IP).totals().activeConnections()).isZero();
    assertThat(byServer.get("cart").totals().bytesClientToServer()).isEqualTo(220);
    assertThat(byServer.get("cart").totals().activeConnections()).isEqualTo(1);
    assertThat(byServer.get("cart").totals().connectionsOpened())
        .isZero(); // opened where it was first seen
  }

  @Test
  void endNamedAtFirstSightKeepsItsNameWhileTheOtherEndIsAskedAgain() {
    AtomicInteger serverAsks = new AtomicInteger();
    // The client end is never named; the server's address changes hands after the first ask.
    NameSource reused =
        query ->
            query.local()
                ? java.util.Optional.empty()
                : java.util.Optional.of(
                    new Endpoint(
                        "shop",
                        "StatefulSet",
                        serverAsks.incrementAndGet() == 1 ? "cart" : "payments"));
    LinkTable table = new LinkTable(new ResolverChain(List.of(reused)), EPHEMERAL, NO_NAMING_WAIT);
    Sockets conn = Sockets.client(CLIENT_IP, 40000, SERVER_IP, 6379).established();

    table.apply(pollOf(T0, List.of(conn.sent(100).build()), List.of()));
    table.apply(pollOf(T0.plusSeconds(1), List.of(conn.sent(250).build()), List.of()));

    assertThat(table.links())
        .singleElement()
        .satisfies(
            link -> {
              assertThat(link.key().server().name()).isEqualTo("cart");
              assertThat(link.totals().bytesClientToServer()).isEqualTo(250);
            });
  }

  @Test
  void namedEndsAreNotAskedAgain() {
    AtomicInteger asked = new AtomicInteger();
    NameSource named =
        query -> {
          asked.incrementAndGet();
          return java.util.Optional.of(
              new Endpoint("shop", "Deployment", query.local() ? "web" : "cart"));
        };
    LinkTable table = new LinkTable(new ResolverChain(List.of(named)), EPHEMERAL);
    Sockets conn = Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).established();

    for (int i = 0; i < 10; i++) {
      table.apply(pollOf(T0.plusSeconds(i), List.of(conn.sent(i).build()), List.of()));
    }

    assertThat(asked.get()).isEqualTo(2);
  }

  // --- naming wait -------------------------------------------------------------------------

  @Test
  void socketWaitsForItsNameAndIsThenCountedWholeUnderItOnly() {
    assertThat(NamingWait.DEFAULT_POLLS).isEqualTo(2);
    LinkTable waiting = new LinkTable(new ResolverChain(List.of(serverNamedFromAsk(2))), EPHEMERAL);
    Sockets conn = Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).established();

    waiting.apply(pollOf(T0, List.of(conn.sent(100).received(10).build()), List.of()));
    assertThat(waiting.links()).as("held at first sight").isEmpty();
    assertThat(waiting.counters().trackedSockets()).isEqualTo(1);
    waiting.apply(
        pollOf(T0.plusSeconds(1), List.of(conn.sent(250).received(40).build()), List.of()));
    waiting.apply(
        pollOf(T0.plusSeconds(2), List.of(conn.sent(300).received(45).build()), List.of()));

    assertThat(waiting.links())
        .singleElement()
        .satisfies(
            link -> {
              assertThat(link.key())
                  .isEqualTo(new LinkKey(WEB, CART, 5432, NetworkType.IPV4, Observer.CLIENT));
              assertCounts(link, 300, 45, 1, 1);
            });
    assertThat(waiting.counters().namingFallbacks()).isZero();
  }

  @Test
  void socketStillUnnamedAfterTheWaitIsCountedWholeUnderItsAddressAndCountedAsAFallback() {
    LinkTable waiting =
        new LinkTable(new ResolverChain(List.of(serverNamedFromAsk(99))), EPHEMERAL);
    Sockets conn = Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).established();

    waiting.apply(pollOf(T0, List.of(conn.sent(100).srtt(200).build()), List.of()));
    waiting.apply(pollOf(T0.plusSeconds(1), List.of(conn.sent(100).srtt(900).build()), List.of()));
    assertThat(waiting.links()).as("still within the wait").isEmpty();
    waiting.apply(
        pollOf(
            T0.plusSeconds(2), List.of(conn.sent(170).received(5).srtt(350).build()), List.of()));

    assertThat(waiting.links())
        .singleElement()
        .satisfies(
            link -> {
              assertThat(link.key())
                  .isEqualTo(
                      new LinkKey(
                          WEB,
                          Endpoint.external(SERVER_IP),
                          5432,
                          NetworkType.IPV4,
                          Observer.CLIENT));
              assertThat(link.totals().bytesClientToServer()).isEqualTo(170);
              assertThat(link.totals().bytesServerToClient()).isEqualTo(5);
              assertThat(link.totals().activeConnections()).isEqualTo(1);
              // The polls that moved bytes while it waited, as if it had been counted all along.
              assertThat(link.totals().rtt().samples()).isEqualTo(2);
              assertThat(link.totals().rtt().sumMicros()).isEqualTo(550);
            });
    assertThat(waiting.counters().namingFallbacks()).isEqualTo(1);

    waiting.apply(
        pollOf(
            T0.plusSeconds(3), List.of(conn.sent(200).received(5).srtt(300).build()), List.of()));
    assertThat(waiting.links())
        .singleElement()
        .satisfies(
            link -> {
              assertThat(link.totals().bytesClientToServer()).isEqualTo(200);
              assertThat(link.totals().rtt().samples()).isEqualTo(3);
            });
  }

  @Test
  void socketThatClosesWhileItWaitsIsCountedOnceWhenLetGo() {
    LinkTable waiting = new LinkTable(new ResolverChain(List.of(serverNamedFromAsk(3))), EPHEMERAL);
    Sockets conn = Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).established();

    waiting.apply(pollOf(T0, List.of(conn.sent(100).received(10).build()), List.of()));
    // Its live record and its close harvested in one poll: the close is the last word.
    waiting.apply(
        pollOf(
            T0.plusSeconds(1),
            List.of(conn.sent(120).received(10).build()),
            List.of(conn.sent(130).received(20).error(ECONNRESET).closed().build())));
    waiting.apply(pollOf(T0.plusSeconds(2), List.of(), List.of()));
    waiting.apply(pollOf(T0.plusSeconds(3), List.of(), List.of()));
    waiting.apply(pollOf(T0.plusSeconds(4), List.of(), List.of()));

    assertThat(waiting.links())
        .singleElement()
        .satisfies(
            link -> {
              assertThat(link.key().server()).isEqualTo(CART);
              assertCounts(link, 130, 20, 1, 0);
              assertThat(link.totals().failures()).isEqualTo(Map.of(FailureReason.RESET, 1L));
            });
    assertThat(waiting.counters().trackedSockets()).isZero();
    assertThat(waiting.counters().lostSockets()).isZero();
    assertThat(waiting.counters().namingFallbacks()).isZero();
  }

  @Test
  void socketSeenOnlyClosedWaitsToo() {
    LinkTable waiting = new LinkTable(new ResolverChain(List.of(serverNamedFromAsk(2))), EPHEMERAL);

    waiting.apply(
        pollOf(
            T0,
            List.of(),
            List.of(
                Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432)
                    .established()
                    .sent(10)
                    .received(20)
                    .closed()
                    .build())));
    waiting.apply(pollOf(T0.plusSeconds(1), List.of(), List.of()));

    assertThat(waiting.links())
        .singleElement()
        .satisfies(
            link -> {
              assertThat(link.key().server()).isEqualTo(CART);
              assertCounts(link, 10, 20, 1, 0);
            });
    assertThat(waiting.counters().trackedSockets()).isZero();
  }

  @Test
  void socketWhoseEndsAreNamedAtFirstSightIsNotHeld() {
    LinkTable waiting = new LinkTable(new ResolverChain(List.of(serverNamedFromAsk(1))), EPHEMERAL);

    waiting.apply(
        pollOf(
            T0,
            List.of(
                Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).established().sent(7).build()),
            List.of()));

    assertThat(waiting.links())
        .singleElement()
        .satisfies(
            link -> {
              assertThat(link.key().server()).isEqualTo(CART);
              assertThat(link.totals().bytesClientToServer()).isEqualTo(7);
            });
  }

  @Test
  void aNegativeNamingWaitIsRefused() {
    assertThatThrownBy(() -> new LinkTable(new AddressResolver(), EPHEMERAL, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
  }

  @Test
  void serverSocketNamesItsClientByTheProcessThisKernelSawConnectInTheSameHarvest() {
    List<EndpointQuery> asked = new ArrayList<>();
    NameSource byProcess =
        query -> {
          asked.add(query);
          return query.pid() > 0
              ? java.util.Optional.of(new Endpoint("host", "Process", query.comm()))
              : java.util.Optional.of(new Endpoint("host", "Process", "server-" + query.port()));
        };
    LinkTable both = new LinkTable(new ResolverChain(List.of(byProcess)), EPHEMERAL);
    // Both ends on this machine; the client already gone: only its closed record tells who it was.
    SocketSnapshot client =
        Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432)
            .cookie(1)
            .pid(4242)
            .comm("checkout")
            .established()
            .sent(70)
            .received(30)
            .closed()
            .build();
    SocketSnapshot server =
        Sockets.server(SERVER_IP, 5432, CLIENT_IP, 40000)
            .cookie(2)
            .established()
            .sent(30)
            .received(70)
            .build();
    // Another client on the same port number, towards another server: not this one's.
    SocketSnapshot other =
        Sockets.client(CLIENT_IP, 40000, "10.0.0.3", 5432)
            .cookie(3)
            .pid(7)
            .comm("holder")
            .established()
            .build();

    both.apply(pollOf(T0, List.of(server, other), List.of(client)));

    assertThat(both.links())
        .filteredOn(link -> link.key().observer() == Observer.SERVER)
        .singleElement()
        .satisfies(link -> assertThat(link.key().client().name()).isEqualTo("checkout"));
    assertThat(asked)
        .filteredOn(query -> !query.local() && !query.server() && query.port() == 40000)
        .extracting(EndpointQuery::pid)
        .containsExactly(4242);
  }

  /** Names the local end {@code web} at once and the server {@code cart} from its n-th ask on. */
  private static NameSource serverNamedFromAsk(int n) {
    AtomicInteger serverAsks = new AtomicInteger();
    return query -> {
      if (query.local()) {
        return java.util.Optional.of(WEB);
      }
      return serverAsks.incrementAndGet() >= n
          ? java.util.Optional.of(CART)
          : java.util.Optional.empty();
    };
  }

  // --- RTT ---------------------------------------------------------------------------------

  @Test
  void rttIsSampledOnlyInPollsWhereTheSocketMovedBytes() {
    Sockets conn = Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).established();

    poll(live(conn.sent(100).srtt(200))); // moved: sample 200
    poll(live(conn.sent(100).srtt(900))); // idle: no sample
    poll(live(conn.sent(100).received(50).srtt(500))); // moved: sample 500
    poll(live(conn.sent(300).received(50).srtt(350))); // moved: sample 350
    poll(live(conn.sent(300).received(50).srtt(50))); // idle: no sample

    RttSummary rtt = onlyLink().totals().rtt();
    assertThat(rtt.samples()).isEqualTo(3);
    assertThat(rtt.sumMicros()).isEqualTo(1_050);
    assertThat(rtt.minMicros()).isEqualTo(200);
    assertThat(rtt.maxMicros()).isEqualTo(500);
    assertThat(rtt.meanMicros()).isEqualTo(350.0);
    // 200 µs falls in (100, 250]; 350 and 500 µs in (250, 500].
    assertThat(rtt.bucketCounts())
        .containsExactly(0L, 1L, 2L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L);
  }

  @Test
  void socketWithoutAnRttSampleYetAddsNone() {
    poll(live(Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).established().sent(100).srtt(0)));

    assertThat(onlyLink().totals().rtt()).isEqualTo(RttSummary.EMPTY);
  }

  // --- idle expiry -------------------------------------------------------------------------

  @Test
  void linkWithoutOpenConnectionsIdleLongerThanTheLimitIsForgottenWithItsFinalTotals() {
    poll(
        closed(
            Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432)
                .established()
                .sent(10)
                .received(20)
                .closed()));
    // The poll ran at T0; the link last moved then.

    assertThat(table.expireIdle(T0.plusSeconds(59), Duration.ofMinutes(1))).isEmpty();
    List<Link> expired = table.expireIdle(T0.plusSeconds(61), Duration.ofMinutes(1));

    assertThat(expired)
        .singleElement()
        .satisfies(
            link -> {
              assertThat(link.totals().bytesClientToServer()).isEqualTo(10);
              assertThat(link.totals().bytesServerToClient()).isEqualTo(20);
            });
    assertThat(table.links()).isEmpty();
    assertThat(table.counters().expiredLinks()).isEqualTo(1);
  }

  @Test
  void linkWithAnOpenConnectionNeverExpires() {
    Sockets conn = Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).established();
    poll(live(conn.sent(10)));

    assertThat(table.expireIdle(T0.plusSeconds(3600), Duration.ofMinutes(1))).isEmpty();
    assertThat(onlyLink().totals().activeConnections()).isEqualTo(1);
  }

  // --- snapshots ---------------------------------------------------------------------------

  @Test
  void linkThatDidNotMoveIsHandedOutAgainAsTheSameSnapshotAndOneThatMovedAsANewOne() {
    Sockets conn = Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).established();
    pollChangedOnly(conn.sent(100).build());
    Link first = onlyLink();

    pollChangedOnly();
    assertThat(onlyLink()).isSameAs(first);

    pollChangedOnly(conn.sent(150).build());
    Link moved = onlyLink();
    assertThat(moved).isNotSameAs(first);
    assertThat(moved.totals().bytesClientToServer()).isEqualTo(150);
    assertThat(first.totals().bytesClientToServer()).isEqualTo(100);
  }

  @Test
  void snapshotTakenEarlierInTheSameInstantIsNotHandedOutOnceAFailureOrACloseChangedTheLink() {
    Sockets open = Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).established().sent(10);
    table.apply(pollOf(T0, List.of(open.build()), List.of()));
    Link first = onlyLink();

    // Same time, same bytes: only the failure count moves.
    Sockets refused =
        Sockets.client(CLIENT_IP, 40001, SERVER_IP, 5432).error(ECONNREFUSED).closed();
    table.apply(pollOf(T0, List.of(), List.of(refused.build())));
    Link failed = onlyLink();
    assertThat(failed.totals().failures()).isEqualTo(Map.of(FailureReason.REFUSED, 1L));
    assertThat(first.totals().failures()).isEmpty();

    // Same time, same bytes: only the open connections move.
    table.apply(pollOf(T0, List.of(), List.of(open.closed().build())));
    assertThat(onlyLink().totals().activeConnections()).isZero();
    assertThat(failed.totals().activeConnections()).isEqualTo(1);
  }

  @Test
  void socketsOfOneLinkKeepOneKeyWhateverTheResolverHandsOut() {
    // A resolver that makes a new (equal) end at every call, as name sources do.
    LinkTable fresh =
        new LinkTable(
            query -> new Endpoint("shop", "Deployment", query.local() ? "web" : "cart"),
            EPHEMERAL,
            NO_NAMING_WAIT);
    List<SocketSnapshot> sockets = new ArrayList<>();
    for (int port = 40000; port < 40100; port++) {
      sockets.add(Sockets.client(CLIENT_IP, port, SERVER_IP, 5432).established().sent(1).build());
    }
    fresh.apply(pollOf(T0, sockets, List.of()));

    assertThat(fresh.links())
        .singleElement()
        .satisfies(
            link -> {
              assertThat(link.totals().activeConnections()).isEqualTo(100);
              assertThat(link.totals().bytesClientToServer()).isEqualTo(100);
            });
    assertThat(fresh.socketKeyObjects()).isEqualTo(1);
  }

  // --- helpers -----------------------------------------------------------------------------

  /** Names every address with how many times it was asked for: 10.0.0.2#1, 10.0.0.2#2... */
  private static final class RenamingResolver implements EndpointResolver {
    final AtomicInteger calls = new AtomicInteger();
    private final Map<String, Integer> asked = new HashMap<>();

    @Override
    public Endpoint resolve(EndpointQuery query) {
      calls.incrementAndGet();
      String address = query.address().getHostAddress();
      int n = asked.merge(address, 1, Integer::sum);
      String name = address + "#" + n;
      return query.local() ? Endpoint.host(name) : Endpoint.external(name);
    }
  }

  /** Asserts the link's bytes each way, the connections it opened and those open now. */
  private static void assertCounts(
      Link link, long clientToServer, long serverToClient, long opened, long active) {
    LinkTotals totals = link.totals();
    assertThat(
            List.of(
                totals.bytesClientToServer(),
                totals.bytesServerToClient(),
                totals.connectionsOpened(),
                totals.activeConnections()))
        .as("bytes client to server, server to client, connections opened, active")
        .containsExactly(clientToServer, serverToClient, opened, active);
  }

  /**
   * The key of the link from CLIENT_IP to SERVER_IP:port as this machine's socket at the {@code
   * observer}'s end sees it: its own end a host, the other external.
   */
  private static LinkKey keySeenBy(Observer observer, int port) {
    boolean client = observer == Observer.CLIENT;
    return new LinkKey(
        client ? Endpoint.host(CLIENT_IP) : Endpoint.external(CLIENT_IP),
        client ? Endpoint.external(SERVER_IP) : Endpoint.host(SERVER_IP),
        port,
        NetworkType.IPV4,
        observer);
  }

  private Link onlyLink() {
    List<Link> links = table.links();
    assertThat(links).hasSize(1);
    return links.getFirst();
  }

  /** What one poll harvests. */
  private record Harvest(List<SocketSnapshot> live, List<SocketSnapshot> closed) {}

  private static Harvest live(Sockets... sockets) {
    return new Harvest(Arrays.stream(sockets).map(Sockets::build).toList(), List.of());
  }

  private static Harvest closed(Sockets... sockets) {
    return new Harvest(List.of(), Arrays.stream(sockets).map(Sockets::build).toList());
  }

  private void poll(Harvest harvest) {
    poll(harvest.live(), harvest.closed());
  }

  /** A complete poll in which no socket shows up. */
  private void poll() {
    poll(List.of(), List.of());
  }

  /** A poll that hands over only what changed, as most polls do. */
  private void pollChangedOnly(SocketSnapshot... live) {
    table.apply(
        new SocketPoll(
            T0.plusSeconds(polls++),
            List.of(live),
            List.of(),
            KernelCounters.NONE,
            1,
            Duration.ofMillis(1),
            false));
  }

  private void poll(List<SocketSnapshot> live, List<SocketSnapshot> closed) {
    table.apply(pollOf(T0.plusSeconds(polls++), live, closed));
  }

  private static SocketPoll pollOf(
      Instant time, List<SocketSnapshot> live, List<SocketSnapshot> closed) {
    return new SocketPoll(time, live, closed, KernelCounters.NONE, 1, Duration.ofMillis(1), true);
  }
}
