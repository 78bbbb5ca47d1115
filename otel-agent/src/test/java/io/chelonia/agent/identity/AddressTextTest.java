package io.chelonia.agent.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The RFC 5952 rules, each with its own example. */
class AddressTextTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    // 4.2.1: the longest run of zero groups is shortened to "::".
    "2001:db8:210:0:0:0:0:1, 2001:db8:210::1",
    // 4.1: leading zeros are dropped; 4.3: hex digits are lower case.
    "2001:0DB8:00AA:0000:0000:0000:0000:0001, 2001:db8:aa::1",
    // 4.2.2: a single zero group is not shortened.
    "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
    // 4.2.3: the longest run wins; between equal runs, the first.
    "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
    "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
    // Runs at either end.
    "0:0:0:0:0:0:0:1, ::1",
    "fe80:0:0:0:0:0:0:0, fe80::",
    "0:0:0:0:0:0:0:0, ::",
    "0:0:1:0:0:0:1:0, 0:0:1::1:0",
  })
  void ipv6IsInItsRecommendedForm(String written, String expected) {
    assertThat(AddressText.of(InetAddress.ofLiteral(written))).isEqualTo(expected);
  }

  @Test
  void ipv4MappedIntoIpv6KeepsItsDottedForm() throws Exception {
    byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 198, 18, 0, 1};

    assertThat(AddressText.of(Inet6Address.getByAddress(null, mapped, -1)))
        .isEqualTo("::ffff:198.18.0.1");
  }

  @Test
  void ipv4IsDotted() {
    assertThat(AddressText.of(InetAddress.ofLiteral("198.18.0.1"))).isEqualTo("198.18.0.1");
  }

  @Test
  void everyFormReadsBackAsTheSameAddress() {
    for (String written :
        new String[] {"2001:db8:c4e1::2", "::", "1:2:3:4:5:6:7:8", "0:1:0:1:0:1:0:1"}) {
      InetAddress address = InetAddress.ofLiteral(written);
      assertThat(InetAddress.ofLiteral(AddressText.of(address))).isEqualTo(address);
    }
  }
}
