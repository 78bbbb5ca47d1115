package io.chelonia.agent.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.NameSource;
import io.chelonia.agent.identity.ResolverChain;
import io.chelonia.agent.kernel.KernelCounters;
import io.chelonia.agent.kernel.SocketSnapshot;
import io.chelonia.agent.testing.Sockets;
import io.chelonia.agent.tracing.ActualDestination;
import io.chelonia.agent.tracing.ActualDestinations;
import io.chelonia.agent.tracing.SocketPoll;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A client socket whose peer is a Service is named by the backend that answered, once the lookup
 * answers; the Service stays on the link; with no translation, the link stays on the Service.
 */
class ServiceBackendNamingTest {
  private static final PortRange EPHEMERAL = new PortRange(32768, 60999);
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  private static final String CLIENT_IP = "10.0.0.1";
  private static final String SERVICE_IP = "10.96.0.10";
  private static final String BACKEND_IP = "10.0.1.7";
  private static final Endpoint WEB = new Endpoint("shop", "Deployment", "web");
  private static final Endpoint SERVICE = new Endpoint("shop", "Service", "orders-api");
  private static final Endpoint ORDERS = new Endpoint("shop", "Deployment", "orders-api");

  private static final NameSource CLUSTER =
      query ->
          Optional.ofNullable(
              Map.of(CLIENT_IP, WEB, SERVICE_IP, SERVICE, BACKEND_IP, ORDERS)
                  .get(query.address().getHostAddress()));

  @Test
  void socketToAServiceWaitsForItsBackendAndIsCountedWholeUnderIt() {
    Deque<ActualDestination> answers =
        new ArrayDeque<>(
            List.of(
                ActualDestination.PENDING,
                new ActualDestination.Translated(InetAddress.ofLiteral(BACKEND_IP), 8080)));
    LinkTable table = table(socket -> answers.pop());
    Sockets conn = Sockets.client(CLIENT_IP, 40000, SERVICE_IP, 80).established();

    table.apply(poll(0, conn.sent(100).received(10).build()));
    assertThat(table.links()).as("held while the lookup is under way").isEmpty();
    table.apply(poll(1, conn.sent(300).received(30).build()));

    assertThat(table.links()).hasSize(1);
    Link link = table.links().getFirst();
    assertThat(link.key())
        .isEqualTo(
            new LinkKey(
                WEB, ORDERS, 8080, NetworkType.IPV4, Observer.CLIENT, Optional.of(SERVICE)));
    assertThat(link.totals().bytesClientToServer()).isEqualTo(300);
    assertThat(link.totals().bytesServerToClient()).isEqualTo(30);
    assertThat(answers).as("asked until answered, then never again").isEmpty();
  }

  @Test
  void socketToAServiceNothingTranslatedStaysOnTheServiceEdge() {
    LinkTable table = table(socket -> ActualDestination.AS_DIALLED);

    table.apply(poll(0, Sockets.client(CLIENT_IP, 40000, SERVICE_IP, 80).established().build()));

    assertThat(table.links())
        .extracting(Link::key)
        .containsExactly(
            new LinkKey(WEB, SERVICE, 80, NetworkType.IPV4, Observer.CLIENT, Optional.of(SERVICE)));
  }

  @Test
  void socketToAnythingButAServiceIsNeverLookedUp() {
    AtomicInteger asked = new AtomicInteger();
    LinkTable table =
        table(
            socket -> {
              asked.incrementAndGet();
              return ActualDestination.AS_DIALLED;
            });

    table.apply(poll(0, Sockets.client(CLIENT_IP, 40000, BACKEND_IP, 8080).established().build()));

    assertThat(asked.get()).isZero();
    assertThat(table.links().getFirst().key().service()).isEmpty();
  }

  private static LinkTable table(ActualDestinations destinations) {
    return new LinkTable(
        new ResolverChain(List.of(CLUSTER)), destinations, EPHEMERAL, NamingWait.DEFAULT_POLLS);
  }

  private static SocketPoll poll(int second, SocketSnapshot... live) {
    return new SocketPoll(
        T0.plusSeconds(second),
        List.of(live),
        List.of(),
        KernelCounters.NONE,
        1,
        Duration.ofMillis(1),
        true);
  }
}
