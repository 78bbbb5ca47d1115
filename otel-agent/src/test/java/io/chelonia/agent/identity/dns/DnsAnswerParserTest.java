package io.chelonia.agent.identity.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The DNS answer parser reads what real answers say and refuses everything else with its one
 * checked exception: truncated, malformed, looping and oversized messages, and random ones.
 */
class DnsAnswerParserTest {
  private static final int QUESTION_NAME = 12;
  private static final InetAddress V4 = InetAddress.ofLiteral("198.18.7.1");
  private static final InetAddress V6 = InetAddress.ofLiteral("2001:db8::7");

  @Test
  void readsTheQuestionAndItsAddressesWithTheirTtl() throws Exception {
    byte[] message =
        TestMessages.answer("API.Example.com", TestMessages.A, 2)
            .address(QUESTION_NAME, V4, 300)
            .address(QUESTION_NAME, InetAddress.ofLiteral("198.18.7.2"), 60)
            .bytes();

    DnsAnswer answer = DnsAnswerParser.parse(message, true);

    assertThat(answer.id()).isEqualTo(0x1234);
    assertThat(answer.rcode()).isEqualTo(DnsAnswer.NOERROR);
    assertThat(answer.question()).isEqualTo("api.example.com");
    assertThat(answer.questionType()).isEqualTo(TestMessages.A);
    assertThat(answer.addresses())
        .containsExactly(
            new DnsAnswer.Address(V4, 300),
            new DnsAnswer.Address(InetAddress.ofLiteral("198.18.7.2"), 60));
  }

  @Test
  void followsACnameChainAndKeepsTheLeastTtlAlongIt() throws Exception {
    TestMessages m = TestMessages.answer("www.example.com", TestMessages.AAAA, 3);
    int first = m.offset();
    m.cname(QUESTION_NAME, "edge.cdn.test", 120);
    int edge = first + 12; // owner pointer (2) + type, class, ttl, length (10)
    int second = m.offset();
    m.cname(edge, "pop7.cdn.test", 30);
    m.address(second + 12, V6, 600);

    DnsAnswer answer = DnsAnswerParser.parse(m.bytes(), true);

    assertThat(answer.question()).isEqualTo("www.example.com");
    assertThat(answer.addresses()).containsExactly(new DnsAnswer.Address(V6, 30));
  }

  @Test
  void leavesOutAddressesOfNamesOutsideTheChain() throws Exception {
    byte[] unrelated =
        TestMessages.answer("www.example.com", TestMessages.A, 1)
            .name("other.example.com")
            .u16(TestMessages.A)
            .u16(1)
            .u32(60)
            .u16(4)
            .raw(198, 18, 7, 9)
            .bytes();
    assertThat(DnsAnswerParser.parse(unrelated, true).addresses()).isEmpty();
  }

  @Test
  void readsTheResponseCodeOfAFailedAnswer() throws Exception {
    byte[] nxdomain =
        TestMessages.header(true, DnsAnswer.NXDOMAIN, 1, 0)
            .name("missing.example.com")
            .u16(1)
            .u16(1)
            .bytes();

    DnsAnswer answer = DnsAnswerParser.parse(nxdomain, true);

    assertThat(answer.rcode()).isEqualTo(DnsAnswer.NXDOMAIN);
    assertThat(answer.addresses()).isEmpty();
  }

  @Test
  void refusesQueriesAndMessagesWithoutExactlyOneQuestion() {
    byte[] query = TestMessages.header(false, 0, 1, 0).name("a.test").u16(1).u16(1).bytes();
    byte[] twoQuestions =
        TestMessages.header(true, 0, 2, 0).name("a.test").u16(1).u16(1).name("b.test").bytes();

    assertMalformed(query, "a query");
    assertMalformed(twoQuestions, "2 questions");
    assertMalformed(new byte[5], "shorter than a DNS header");
  }

  @Test
  void refusesCompressionPointersThatLoop() {
    byte[] selfLoop = TestMessages.header(true, 0, 1, 0).pointer(QUESTION_NAME).bytes();
    byte[] forward =
        TestMessages.header(true, 0, 1, 0).pointer(QUESTION_NAME + 2).name("a.test").bytes();
    // Two labels then a pointer back to the first: a cycle through earlier bytes.
    byte[] cycle = TestMessages.header(true, 0, 1, 0).raw(1, 'a').pointer(QUESTION_NAME).bytes();

    assertMalformed(selfLoop, "does not point back");
    assertMalformed(forward, "does not point back");
    assertMalformed(cycle, "does not point back");
  }

  @Test
  void refusesOversizedNamesAndUnknownLabelTypes() {
    TestMessages longName = TestMessages.header(true, 0, 1, 0);
    for (int i = 0; i < 5; i++) {
      longName.raw(63);
      for (int j = 0; j < 63; j++) {
        longName.raw('x');
      }
    }
    longName.raw(0).u16(1).u16(1);
    byte[] extendedLabel = TestMessages.header(true, 0, 1, 0).raw(0x41, 1).bytes();
    byte[] controlByte = TestMessages.header(true, 0, 1, 0).raw(1, 7, 0).u16(1).u16(1).bytes();

    assertMalformed(longName.bytes(), "longer than 255");
    assertMalformed(extendedLabel, "unknown label type");
    assertMalformed(controlByte, "byte 7");
  }

  @Test
  void refusesEveryTruncationOfAWholeMessageAndReadsWhatACutOneHolds() throws Exception {
    byte[] whole =
        TestMessages.answer("api.example.com", TestMessages.A, 2)
            .address(QUESTION_NAME, V4, 300)
            .address(QUESTION_NAME, InetAddress.ofLiteral("198.18.7.2"), 300)
            .bytes();
    int firstRecordEnd = whole.length - 16;

    for (int length = 0; length < whole.length; length++) {
      byte[] head = Arrays.copyOf(whole, length);
      assertThatThrownBy(() -> DnsAnswerParser.parse(head, true))
          .as("truncated to %d bytes", length)
          .isInstanceOf(MalformedDnsMessageException.class);
    }
    assertThat(DnsAnswerParser.parse(Arrays.copyOf(whole, firstRecordEnd + 5), false).addresses())
        .containsExactly(new DnsAnswer.Address(V4, 300));
  }

  @Test
  void refusesARecordWhoseDataRunsPastTheEnd() {
    byte[] message =
        TestMessages.answer("a.test", TestMessages.A, 1)
            .pointer(QUESTION_NAME)
            .u16(TestMessages.A)
            .u16(1)
            .u32(60)
            .u16(4000)
            .raw(198, 18, 7, 1)
            .bytes();

    assertMalformed(message, "runs past");
  }

  @Test
  void readsATtlWithTheTopBitSetAsZero() throws Exception {
    byte[] message =
        TestMessages.answer("a.test", TestMessages.A, 1)
            .address(QUESTION_NAME, V4, 0x8000_0000L)
            .bytes();

    assertThat(DnsAnswerParser.parse(message, true).addresses())
        .containsExactly(new DnsAnswer.Address(V4, 0));
  }

  /**
   * Fuzz-style: random messages and random mutations of real ones (bytes flipped, cut, grown to the
   * largest datagram) either parse or throw the parser's own exception, nothing else. Seeded, so a
   * failure repeats; bounded, 200,000 messages.
   */
  @Test
  void generatedMessagesEitherParseOrAreRefusedNeverAnythingElse() {
    Random random = new Random(13);
    TestMessages chain = TestMessages.answer("www.example.com", TestMessages.A, 2);
    int first = chain.offset();
    chain.cname(QUESTION_NAME, "edge.cdn.test", 120).address(first + 12, V4, 60);
    List<byte[]> seeds =
        List.of(
            chain.bytes(),
            TestMessages.answer("a.test", TestMessages.AAAA, 1)
                .address(QUESTION_NAME, V6, 60)
                .bytes());
    int parsed = 0;
    int refused = 0;
    for (int i = 0; i < 100_000; i++) {
      int kind = i % 1000 == 999 ? 3 : i % 3;
      byte[] message = generate(random, seeds.get(i % seeds.size()), kind);
      try {
        DnsAnswer answer = DnsAnswerParser.parse(message, random.nextBoolean());
        assertThat(answer.question().length()).isLessThanOrEqualTo(255);
        parsed++;
      } catch (MalformedDnsMessageException expected) {
        refused++;
      }
    }
    assertThat(parsed).as("generated messages that parsed").isPositive();
    assertThat(refused).as("generated messages refused").isPositive();
  }

  private static byte[] generate(Random random, byte[] seed, int kind) {
    return switch (kind) {
      case 0 -> {
        byte[] noise = new byte[random.nextInt(600)];
        random.nextBytes(noise);
        // Mostly a response to one question, so the parser gets past the header.
        if (noise.length >= 6) {
          noise[2] |= (byte) 0x80;
          noise[4] = 0;
          noise[5] = 1;
        }
        yield noise;
      }
      case 1 -> {
        byte[] flipped = seed.clone();
        for (int n = 1 + random.nextInt(4); n > 0; n--) {
          flipped[random.nextInt(flipped.length)] = (byte) random.nextInt(256);
        }
        yield flipped;
      }
      case 2 -> Arrays.copyOf(seed, random.nextInt(seed.length + 1));
      default -> {
        // The largest UDP datagram: the seed, then pointers and labels to the end.
        byte[] huge = Arrays.copyOf(seed, 65_507);
        for (int at = seed.length; at < huge.length; at++) {
          huge[at] = (byte) (random.nextBoolean() ? 0xC0 : random.nextInt(64));
        }
        huge[6] = (byte) 0xFF;
        huge[7] = (byte) 0xFF;
        yield huge;
      }
    };
  }

  private static void assertMalformed(byte[] message, String reason) {
    assertThatThrownBy(() -> DnsAnswerParser.parse(message, true))
        .isInstanceOf(MalformedDnsMessageException.class)
        .hasMessageContaining(reason);
  }
}
