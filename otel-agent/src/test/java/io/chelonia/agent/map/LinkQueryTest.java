package io.chelonia.agent.map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.link.LinkKey;
import io.chelonia.agent.link.NetworkType;
import io.chelonia.agent.link.Observer;
import org.junit.jupiter.api.Test;

class LinkQueryTest {
  private static final LinkKey KEY =
      new LinkKey(
          new Endpoint("shop", "Deployment", "checkout"),
          new Endpoint("shop", "StatefulSet", "orders db"),
          5432,
          NetworkType.IPV4,
          Observer.CLIENT);

  @Test
  void noQueryIsEveryLink() {
    assertThat(LinkQuery.parse(null)).isEqualTo(LinkQuery.ALL);
    assertThat(LinkQuery.parse("")).isEqualTo(LinkQuery.ALL);
    assertThat(LinkQuery.ALL.matches(KEY)).isTrue();
  }

  @Test
  void namespaceAndNameMatchEitherEndPortTheServerObserverTheSide() {
    assertThat(LinkQuery.parse("name=orders+db").matches(KEY)).isTrue();
    assertThat(
            LinkQuery.parse("name=orders%20db&namespace=shop&port=5432&observer=client")
                .matches(KEY))
        .isTrue();
    assertThat(LinkQuery.parse("name=checkout").matches(KEY)).isTrue();
    assertThat(LinkQuery.parse("name=orders").matches(KEY)).isFalse();
    assertThat(LinkQuery.parse("namespace=kube-system").matches(KEY)).isFalse();
    assertThat(LinkQuery.parse("port=5433").matches(KEY)).isFalse();
    assertThat(LinkQuery.parse("observer=server").matches(KEY)).isFalse();
  }

  @Test
  void anUnknownParameterIsOneLineNamingIt() {
    assertThatThrownBy(() -> LinkQuery.parse("namespace=shop&limit=10"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown query parameter 'limit': expected namespace, name, port, observer");
  }

  @Test
  void badValuesAreOneLineEach() {
    assertThatThrownBy(() -> LinkQuery.parse("port=http"))
        .hasMessage("port must be a number from 1 to 65535, was 'http'");
    assertThatThrownBy(() -> LinkQuery.parse("port=0"))
        .hasMessage("port must be a number from 1 to 65535, was '0'");
    assertThatThrownBy(() -> LinkQuery.parse("observer=both"))
        .hasMessage("observer must be client or server, was 'both'");
    assertThatThrownBy(() -> LinkQuery.parse("port=1&port=2"))
        .hasMessage("query parameter 'port' given twice");
    assertThatThrownBy(() -> LinkQuery.parse("name=%zz"))
        .hasMessageStartingWith("malformed query string: ");
    assertThatThrownBy(() -> LinkQuery.parse("%0a%0dx=1"))
        .hasMessage("unknown query parameter '??x': expected namespace, name, port, observer");
  }
}
