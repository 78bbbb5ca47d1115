package io.chelonia.agent.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.EndpointQuery;
import io.chelonia.agent.identity.NameSource;
import io.chelonia.agent.identity.ResolverChain;
import io.chelonia.agent.kernel.KernelCounters;
import io.chelonia.agent.kernel.SocketSnapshot;
import io.chelonia.agent.testing.Sockets;
import io.chelonia.agent.tracing.SocketPoll;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Both ends of a connection on this machine, in one harvest: a client socket names its server end
 * by the process the harvest recorded for the accepted socket, with no owner index asked, as the
 * server's own side names it.
 */
class LocalPeersTest {
  private static final PortRange EPHEMERAL = new PortRange(32768, 60999);
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  private static final String CLIENT_IP = "10.0.0.1";
  private static final String SERVER_IP = "10.0.0.2";

  private final List<EndpointQuery> asked = new ArrayList<>();

  /** Names an end by the process its query carries, else by its port. */
  private final NameSource byProcess =
      query -> {
        asked.add(query);
        return Optional.of(
            new Endpoint(
                "host", "Process", query.pid() > 0 ? query.comm() : "port-" + query.port()));
      };

  private final LinkTable table = new LinkTable(new ResolverChain(List.of(byProcess)), EPHEMERAL);

  @Test
  void clientSocketNamesItsServerByTheProcessHoldingTheAcceptedSocket() {
    SocketSnapshot client =
        Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432)
            .cookie(1)
            .pid(4242)
            .comm("checkout")
            .established()
            .build();
    SocketSnapshot server =
        Sockets.server(SERVER_IP, 5432, CLIENT_IP, 40000)
            .cookie(2)
            .pid(31)
            .comm("orders-api")
            .established()
            .build();

    table.apply(poll(T0, List.of(client, server), List.of()));

    assertThat(table.links())
        .extracting(link -> link.key().client().name() + " -> " + link.key().server().name())
        .containsExactly("checkout -> orders-api", "checkout -> orders-api");
    assertThat(asked)
        .filteredOn(query -> !query.local() && query.server())
        .extracting(EndpointQuery::pid, EndpointQuery::comm)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(31, "orders-api"));
  }

  /**
   * A short connection whose two closes fall on either side of a poll: the client's close record in
   * one harvest, the server's in the next. The server still names its client by the client's
   * record, with no owner index asked.
   */
  @Test
  void endsClosingOnEitherSideOfAPollStillNameEachOther() {
    SocketSnapshot client =
        Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432)
            .cookie(1)
            .pid(4242)
            .comm("checkout")
            .established()
            .closed()
            .build();
    SocketSnapshot server =
        Sockets.server(SERVER_IP, 5432, CLIENT_IP, 40000)
            .cookie(2)
            .pid(31)
            .comm("orders-api")
            .established()
            .closed()
            .build();

    table.apply(poll(T0, List.of(), List.of(client)));
    table.apply(poll(T0.plusSeconds(5), List.of(), List.of(server)));

    assertThat(asked)
        .filteredOn(query -> !query.local() && !query.server())
        .extracting(EndpointQuery::pid, EndpointQuery::comm)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(4242, "checkout"));
    assertThat(table.links())
        .filteredOn(link -> link.key().observer() == Observer.SERVER)
        .extracting(link -> link.key().client().name() + " -> " + link.key().server().name())
        .containsExactly("checkout -> orders-api");
  }

  /** Two polls apart, the ends are not taken for each other: the index holds the last harvest. */
  @Test
  void aPeerTwoHarvestsOldIsForgotten() {
    SocketSnapshot client =
        Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432)
            .cookie(1)
            .pid(4242)
            .comm("checkout")
            .established()
            .closed()
            .build();
    SocketSnapshot server =
        Sockets.server(SERVER_IP, 5432, CLIENT_IP, 40000)
            .cookie(2)
            .pid(31)
            .comm("orders-api")
            .established()
            .closed()
            .build();

    table.apply(poll(T0, List.of(), List.of(client)));
    table.apply(poll(T0.plusSeconds(5), List.of(), List.of()));
    table.apply(poll(T0.plusSeconds(10), List.of(), List.of(server)));

    assertThat(asked)
        .filteredOn(query -> !query.local() && !query.server())
        .extracting(EndpointQuery::pid)
        .containsExactly(0);
  }

  @Test
  void aServerSocketWithNoProcessLeavesTheClientsPeerToTheOtherSources() {
    SocketSnapshot client =
        Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432)
            .cookie(1)
            .pid(4242)
            .comm("checkout")
            .established()
            .build();
    // Accepted from a listener no harvest had met yet, and not met itself.
    SocketSnapshot server =
        Sockets.server(SERVER_IP, 5432, CLIENT_IP, 40000).cookie(2).established().build();

    table.apply(poll(T0, List.of(client, server), List.of()));

    assertThat(asked)
        .filteredOn(query -> !query.local() && query.server())
        .extracting(EndpointQuery::pid)
        .containsExactly(0);
  }

  @Test
  void aSocketOfTheSameRoleOnTheReversedFourTupleIsNoPeer() {
    // Two clients whose four-tuples mirror each other (two namespaces, addresses reused).
    SocketSnapshot one =
        Sockets.client(CLIENT_IP, 40000, SERVER_IP, 5432).cookie(1).pid(7).comm("a").build();
    SocketSnapshot other =
        Sockets.client(SERVER_IP, 5432, CLIENT_IP, 40000).cookie(2).pid(8).comm("b").build();

    table.apply(poll(T0, List.of(one, other), List.of()));

    assertThat(asked)
        .filteredOn(query -> !query.local())
        .extracting(EndpointQuery::pid)
        .containsOnly(0);
  }

  private static SocketPoll poll(
      Instant time, List<SocketSnapshot> live, List<SocketSnapshot> closed) {
    return new SocketPoll(time, live, closed, KernelCounters.NONE, 1, Duration.ofMillis(1), true);
  }
}
