package io.chelonia.agent.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CidrGroupsTest {
  private static final InetAddress CLIENT = InetAddress.ofLiteral("192.0.2.1");

  private final CidrGroups groups =
      CidrGroups.parse(
          List.of(
              "10.20.0.0/16=corp-vpn",
              "10.20.30.0/24=corp-db",
              "2001:db8::/32=lab-v6",
              "198.18.0.0/15=bench"));

  @Test
  void theMostSpecificRangeNamesTheAddress() {
    assertThat(name("10.20.1.7")).contains("corp-vpn");
    assertThat(name("10.20.30.7")).contains("corp-db");
    assertThat(name("198.19.255.1")).contains("bench");
    assertThat(name("2001:db8:1::5")).contains("lab-v6");
    assertThat(name("10.21.0.1")).isEmpty();
  }

  @Test
  void groupsAreExternalEnds() {
    EndpointQuery query =
        new EndpointQuery(
            InetAddress.ofLiteral("10.20.1.7"), false, 0, "", 0, 1, 443, true, CLIENT, 40000);
    assertThat(groups.name(query)).contains(new Endpoint("external", "External", "corp-vpn"));
    assertThat(
            groups.name(
                new EndpointQuery(
                    InetAddress.ofLiteral("10.20.1.7"),
                    true,
                    0,
                    "",
                    0,
                    1,
                    443,
                    true,
                    CLIENT,
                    40000)))
        .isEmpty();
  }

  @Test
  void malformedEntriesAreRejectedWithTheEntryNamed() {
    assertThatThrownBy(() -> CidrGroups.parse(List.of("10.20.0.0=corp")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'10.20.0.0=corp'");
    assertThatThrownBy(() -> CidrGroups.parse(List.of("10.20.0.0/40=corp")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("out of range");
    assertThatThrownBy(() -> CidrGroups.parse(List.of("10.20.0.0/x=corp")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a number");
  }

  private Optional<String> name(String address) {
    return groups
        .name(
            new EndpointQuery(
                InetAddress.ofLiteral(address), false, 0, "", 0, 1, 80, true, CLIENT, 40000))
        .map(Endpoint::name);
  }
}
