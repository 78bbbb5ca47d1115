package io.chelonia.agent.identity.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.EndpointQuery;
import io.chelonia.agent.kernel.DnsMessage;
import io.chelonia.agent.testing.MutableClock;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's promises about names from DNS answers, one test each, with a clock we move. */
class DnsNamesTest {
  private static final long POD_A = 4026532001L;
  private static final long POD_B = 4026532002L;
  private static final InetAddress CDN = InetAddress.ofLiteral("198.18.9.9");
  private static final InetAddress RESOLVER = InetAddress.ofLiteral("198.18.0.53");

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final DnsNames names = new DnsNames(3, Duration.ofSeconds(30), "cluster.local", clock);

  @Test
  void namesAClientsConnectionsByTheNameItAskedForAndOnlyThatClients() {
    names.accept(answer(POD_A, "shop.example.com", CDN, 300));
    names.accept(answer(POD_B, "video.example.org", CDN, 300));

    assertThat(names.name(server(POD_A, CDN))).contains(external("shop.example.com"));
    assertThat(names.name(server(POD_B, CDN))).contains(external("video.example.org"));
    assertThat(names.name(server(4026532003L, CDN))).isEmpty();
  }

  @Test
  void forgetsANameWhenItsTtlIsOverButHoldsItAtLeastTheMinimum() {
    names.accept(answer(POD_A, "api.example.com", CDN, 120));
    names.accept(answer(POD_A, "zero.example.com", InetAddress.ofLiteral("198.18.9.10"), 0));

    clock.advance(Duration.ofSeconds(29));
    assertThat(names.name(server(POD_A, InetAddress.ofLiteral("198.18.9.10")))).isPresent();
    clock.advance(Duration.ofSeconds(1));
    assertThat(names.name(server(POD_A, InetAddress.ofLiteral("198.18.9.10")))).isEmpty();
    clock.advance(Duration.ofSeconds(89));
    assertThat(names.name(server(POD_A, CDN))).contains(external("api.example.com"));
    clock.advance(Duration.ofSeconds(1));
    assertThat(names.name(server(POD_A, CDN))).isEmpty();
    assertThat(names.counters().expired()).isEqualTo(2);
    assertThat(names.counters().held()).isZero();
  }

  @Test
  void holdsAtMostItsLimitDroppingTheOldestAndCountingIt() {
    for (int i = 1; i <= 5; i++) {
      names.accept(
          answer(POD_A, "n" + i + ".example.com", InetAddress.ofLiteral("198.18.9." + i), 300));
    }

    assertThat(names.counters().held()).isEqualTo(3);
    assertThat(names.counters().evicted()).isEqualTo(2);
    assertThat(names.counters().learned()).isEqualTo(5);
    assertThat(names.name(server(POD_A, InetAddress.ofLiteral("198.18.9.1")))).isEmpty();
    assertThat(names.name(server(POD_A, InetAddress.ofLiteral("198.18.9.5"))))
        .contains(external("n5.example.com"));
  }

  @Test
  void leavesNamesUnderTheClusterDomainToKubernetes() {
    names.accept(answer(POD_A, "web.shop.svc.cluster.local", CDN, 30));

    assertThat(names.name(server(POD_A, CDN))).isEmpty();
    assertThat(names.counters().answersByRcode()).isEqualTo(Map.of(0, 1L));
  }

  @Test
  void neverNamesTheLocalEnd() {
    names.accept(answer(POD_A, "api.example.com", CDN, 300));

    assertThat(names.name(query(POD_A, CDN, true))).isEmpty();
  }

  @Test
  void countsWhatIsNotAReadableAnswerAndAnswersCutByTheKernel() {
    names.accept(message(POD_A, new byte[] {1, 2, 3}, 3));
    byte[] whole =
        TestMessages.answer("api.example.com", TestMessages.A, 1).address(12, CDN, 300).bytes();
    names.accept(message(POD_A, Arrays.copyOf(whole, whole.length - 2), whole.length));

    assertThat(names.counters().malformed()).isEqualTo(1);
    assertThat(names.counters().cut()).isEqualTo(1);
    assertThat(names.counters().learned()).isZero();
  }

  @Test
  void learnsFromAnAnswerOverTcpAndReadsOneCutShortUpToTheCut() {
    byte[] whole =
        TestMessages.answer("tcp.example.com", TestMessages.A, 2)
            .address(12, CDN, 300)
            .address(12, InetAddress.ofLiteral("198.18.9.20"), 300)
            .bytes();

    names.accept(tcpSegment(POD_A, whole, whole.length + 2));
    names.accept(tcpSegment(POD_B, whole, whole.length + 2 - 10));

    assertThat(names.name(server(POD_A, InetAddress.ofLiteral("198.18.9.20"))))
        .contains(external("tcp.example.com"));
    assertThat(names.name(server(POD_B, CDN))).contains(external("tcp.example.com"));
    assertThat(names.name(server(POD_B, InetAddress.ofLiteral("198.18.9.20")))).isEmpty();
    assertThat(names.counters().cut()).isEqualTo(1);
    assertThat(names.counters().malformed()).isZero();
    names.accept(tcpSegment(POD_A, whole, 1));
    assertThat(names.counters().malformed()).isEqualTo(1);
  }

  @Test
  void countsAnswersByResponseCode() {
    byte[] nxdomain =
        TestMessages.header(true, DnsAnswer.NXDOMAIN, 1, 0).name("x.test").u16(1).u16(1).bytes();
    byte[] servfail =
        TestMessages.header(true, DnsAnswer.SERVFAIL, 1, 0).name("y.test").u16(1).u16(1).bytes();
    names.accept(message(POD_A, nxdomain, nxdomain.length));
    names.accept(message(POD_A, nxdomain, nxdomain.length));
    names.accept(message(POD_A, servfail, servfail.length));

    assertThat(names.counters().answersByRcode()).isEqualTo(Map.of(3, 2L, 2, 1L));
  }

  private static DnsMessage answer(long netns, String name, InetAddress address, long ttl) {
    byte[] bytes =
        TestMessages.answer(name, address.getAddress().length == 4 ? 1 : 28, 1)
            .address(12, address, ttl)
            .bytes();
    return message(netns, bytes, bytes.length);
  }

  private static DnsMessage message(long netns, byte[] payload, int wireLength) {
    return received(netns, false, payload, wireLength);
  }

  private static DnsMessage received(long netns, boolean overTcp, byte[] payload, int wireLength) {
    return new DnsMessage(
        netns,
        77,
        InetAddress.ofLiteral("198.18.0.1"),
        40000,
        RESOLVER,
        overTcp,
        wireLength,
        payload);
  }

  /** A TCP segment from port 53 that starts with a message's two-byte length. */
  private static DnsMessage tcpSegment(long netns, byte[] message, int copied) {
    byte[] segment = new byte[message.length + 2];
    segment[0] = (byte) (message.length >> 8);
    segment[1] = (byte) message.length;
    System.arraycopy(message, 0, segment, 2, message.length);
    return received(netns, true, Arrays.copyOf(segment, copied), segment.length);
  }

  private static EndpointQuery server(long netns, InetAddress address) {
    return query(netns, address, false);
  }

  private static EndpointQuery query(long netns, InetAddress address, boolean local) {
    return new EndpointQuery(
        address, local, 0, "", 0, netns, 443, true, InetAddress.ofLiteral("198.18.0.1"), 40000);
  }

  private static Endpoint external(String name) {
    return new Endpoint(Endpoint.NAMESPACE_EXTERNAL, Endpoint.KIND_EXTERNAL, name);
  }
}
