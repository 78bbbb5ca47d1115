package io.chelonia.agent.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.testing.MutableClock;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReverseDnsTest {
  private static final InetAddress PEER = InetAddress.ofLiteral("198.18.0.2");
  private static final InetAddress LOCAL = InetAddress.ofLiteral("198.18.0.1");
  private static final EndpointQuery REMOTE =
      new EndpointQuery(PEER, false, 0, "", 0, 1, 443, true, LOCAL, 40000);

  @Test
  void nameFromTheSystemResolverComesFromAnEtcHostsEntryWeControl() throws Exception {
    Path hosts = Path.of("/etc/hosts");
    String original = Files.readString(hosts);
    Files.writeString(hosts, original + "\n198.18.0.2 peer.chelonia.test\n");
    try (ReverseDns dns = ReverseDns.system()) {
      Optional<Endpoint> named = dns.name(REMOTE);
      for (int i = 0; i < 100 && named.isEmpty(); i++) {
        Thread.sleep(50);
        named = dns.name(REMOTE);
      }
      assertThat(named).contains(new Endpoint("external", "External", "peer.chelonia.test"));
    } finally {
      Files.writeString(hosts, original);
    }
  }

  @Test
  void neverBlocksThePollThreadAnswersEmptyUntilTheLookupIsDone() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (ReverseDns dns =
        new ReverseDns(
            address -> {
              await(release);
              return Optional.of("slow.example");
            },
            Duration.ofMinutes(1),
            Duration.ofMinutes(1),
            1,
            100,
            Clock.systemUTC())) {
      long started = System.nanoTime();
      assertThat(dns.name(REMOTE)).isEmpty();
      assertThat(System.nanoTime() - started).isLessThan(TimeUnit.SECONDS.toNanos(1));
      release.countDown();
      Optional<Endpoint> named = Optional.empty();
      for (int i = 0; i < 100 && named.isEmpty(); i++) {
        Thread.sleep(20);
        named = dns.name(REMOTE);
      }
      assertThat(named.map(Endpoint::name)).contains("slow.example");
    }
  }

  @Test
  void answersAreCachedForTheirTtlThenAskedAgain() throws Exception {
    AtomicInteger lookups = new AtomicInteger();
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    try (ReverseDns dns =
        new ReverseDns(
            address -> {
              lookups.incrementAndGet();
              return Optional.empty();
            },
            Duration.ofMinutes(10),
            Duration.ofMinutes(1),
            1,
            100,
            clock)) {
      dns.name(REMOTE);
      awaitLookups(lookups, 1);
      for (int i = 0; i < 10; i++) {
        assertThat(dns.name(REMOTE)).isEmpty();
      }
      Thread.sleep(100);
      assertThat(lookups.get()).isEqualTo(1);

      clock.advance(Duration.ofSeconds(61)); // past the negative TTL
      dns.name(REMOTE);
      awaitLookups(lookups, 2);
    }
  }

  @Test
  void localEndsAreNotLookedUp() {
    try (ReverseDns dns =
        new ReverseDns(
            address -> {
              throw new AssertionError("looked up " + address);
            },
            Duration.ofMinutes(1),
            Duration.ofMinutes(1),
            1,
            100,
            Clock.systemUTC())) {
      assertThat(dns.name(new EndpointQuery(PEER, true, 1, "java", 0, 1, 80, false, LOCAL, 443)))
          .isEmpty();
    }
  }

  private static void awaitLookups(AtomicInteger lookups, int expected)
      throws InterruptedException {
    for (int i = 0; i < 100 && lookups.get() < expected; i++) {
      Thread.sleep(20);
    }
    assertThat(lookups.get()).isEqualTo(expected);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
