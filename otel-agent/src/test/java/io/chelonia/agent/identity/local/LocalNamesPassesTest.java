package io.chelonia.agent.identity.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.EndpointQuery;
import io.chelonia.agent.kernel.OwnedSocket;
import io.chelonia.agent.testing.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When an end that no index knows asks for an owners pass: at its first miss only. An end asked
 * again at every poll of the naming wait after a pass missed it (a client gone before any pass
 * could see it) costs that one pass, while a new end still has its own, so a server listening just
 * before its first connection is named at first sight. The owners come from a list that counts its
 * passes; the processes from a /proc tree written here.
 */
class LocalNamesPassesTest {
  private static final InetAddress ANY = InetAddress.ofLiteral("0.0.0.0");
  private static final InetAddress SERVER = InetAddress.ofLiteral("198.18.61.2");
  private static final InetAddress CLIENT = InetAddress.ofLiteral("198.18.61.1");
  private static final int ORDERS_API = 100;
  private static final int PORT = 6000;
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** Longer than the spacing of two passes for one namespace (one second at least). */
  private static final Duration LONGER_THAN_A_RESCAN = Duration.ofSeconds(3);

  @TempDir Path proc;
  private long netns;
  private final AtomicInteger passes = new AtomicInteger();
  private final AtomicBoolean listening = new AtomicBoolean();

  @BeforeEach
  void writeProc() throws IOException {
    Path process = Files.createDirectories(proc.resolve(ORDERS_API + "/ns"));
    Files.writeString(process.resolve("net"), "");
    Files.writeString(proc.resolve(ORDERS_API + "/comm"), "orders-api\n");
    Files.writeString(proc.resolve(ORDERS_API + "/cgroup"), "0::/system.slice/orders.service\n");
    netns = ((Number) Files.getAttribute(process.resolve("net"), "unix:ino")).longValue();
  }

  /** The kernel's list: the listener of orders-api once it listens. */
  private List<OwnedSocket> list(LongPredicate namespaces) {
    passes.incrementAndGet();
    if (!listening.get() || !namespaces.test(netns)) {
      return List.of();
    }
    return List.of(new OwnedSocket(netns, ORDERS_API, true, ANY, PORT, ANY, 0));
  }

  private LocalNames localNames() {
    return new LocalNames(
        "node-1", proc, this::list, Path.of("/nonexistent/docker.sock"), Duration.ofHours(1));
  }

  /** The server's own end of a connection from {@code clientPort}, no process recorded. */
  private EndpointQuery serverEnd(int clientPort) {
    return new EndpointQuery(SERVER, true, 0, "", 0, netns, PORT, true, CLIENT, clientPort);
  }

  @Test
  void anEndAskedAgainAfterAPassMissedItAsksForNoOtherButANewEndDoes() {
    try (LocalNames names = localNames()) {
      assertThat(passes).as("the first index, built at start").hasValue(1);

      assertThat(names.name(serverEnd(40000))).contains(Endpoint.host("198.18.61.2"));
      Await.until(WAIT, Duration.ofMillis(20), () -> passes.get() == 2, () -> "no pass for a miss");
      // Asked again at the next polls of its naming wait: still no listener, no other pass.
      assertThat(names.name(serverEnd(40000))).contains(Endpoint.host("198.18.61.2"));
      assertThat(names.name(serverEnd(40000))).contains(Endpoint.host("198.18.61.2"));
      Await.sleep(LONGER_THAN_A_RESCAN);
      assertThat(passes).as("passes after the same end missed three times").hasValue(2);

      // The server listens now; its next connection is a new end: its miss has a pass, which
      // names it, and the first end with it.
      listening.set(true);
      assertThat(names.name(serverEnd(40001))).contains(Endpoint.host("198.18.61.2"));
      Endpoint ordersApi = new Endpoint("node-1", LocalNames.KIND_PROCESS, "orders-api");
      Await.until(
          WAIT,
          Duration.ofMillis(20),
          () -> names.name(serverEnd(40001)).equals(Optional.of(ordersApi)),
          () -> "the new end not named, passes " + passes.get());
      assertThat(names.name(serverEnd(40000))).contains(ordersApi);
      assertThat(passes).hasValue(3);
    }
  }

  @Test
  void anEndWhoseProcessTheKernelRecordedNeedsNoPass() {
    try (LocalNames names = localNames()) {
      EndpointQuery recorded =
          new EndpointQuery(
              SERVER, true, ORDERS_API, "orders-api", 0, netns, PORT, true, CLIENT, 40002);

      assertThat(names.name(recorded))
          .contains(new Endpoint("node-1", LocalNames.KIND_PROCESS, "orders-api"));
      Await.sleep(LONGER_THAN_A_RESCAN);
      assertThat(passes).as("only the first index").hasValue(1);
    }
  }

  @Test
  void aListenerNewerThanTheIndexIsNamedByThePassItsMissAskedFor() {
    try (LocalNames names = localNames()) {
      listening.set(true);
      // The listener came after the first index: the first ask misses, the pass finds it.
      assertThat(names.name(serverEnd(40003))).contains(Endpoint.host("198.18.61.2"));
      Await.until(
          WAIT,
          Duration.ofMillis(20),
          () -> names.name(serverEnd(40003)).map(Endpoint::name).equals(Optional.of("orders-api")),
          () -> "not named, passes " + passes.get());
      assertThat(passes).as("the first index and the miss's pass").hasValue(2);
    }
  }
}
