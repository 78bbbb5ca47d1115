package io.chelonia.agent.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.testing.Sockets;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SocketFilterTest {
  private static final long SELF_PID = 4242;
  private static final long SELF_NETNS = 4026531840L;
  private static final long OTHER_NETNS = 4026532999L;
  private static final int SELF_PORT = 9464;

  private static final SocketFilter DEFAULT = filter(false, false);

  private static SocketFilter filter(boolean includeLoopback, boolean includeSelf) {
    return new SocketFilter(includeLoopback, includeSelf, SELF_PID, SELF_NETNS, Set.of(SELF_PORT));
  }

  @Test
  void keepsAnotherProcessTalkingToAnotherHost() {
    assertThat(
            DEFAULT.keeps(
                Sockets.client("10.0.0.1", 40000, "10.0.0.2", 5432)
                    .pid(100)
                    .netns(SELF_NETNS)
                    .build()))
        .isTrue();
  }

  @Test
  void dropsIpv4LoopbackPeerAnywhereIn127Slash8() {
    assertThat(
            DEFAULT.keeps(Sockets.client("127.0.0.5", 40000, "127.0.0.5", 5432).pid(100).build()))
        .isFalse();
  }

  @Test
  void dropsIpv6LoopbackPeer() {
    assertThat(DEFAULT.keeps(Sockets.client("::1", 40000, "::1", 5432).pid(100).build())).isFalse();
  }

  @Test
  void keepsLoopbackPeersWhenAskedTo() {
    SocketFilter withLoopback = filter(true, false);

    assertThat(
            withLoopback.keeps(
                Sockets.client("127.0.0.5", 40000, "127.0.0.5", 5432).pid(100).build()))
        .isTrue();
    assertThat(withLoopback.keeps(Sockets.client("::1", 40000, "::1", 5432).pid(100).build()))
        .isTrue();
  }

  @Test
  void dropsTheAgentsOwnClientSockets() {
    assertThat(
            DEFAULT.keeps(
                Sockets.client("10.0.0.1", 40000, "10.0.0.9", 4317).pid((int) SELF_PID).build()))
        .isFalse();
  }

  @Test
  void keepsTheAgentsOwnClientSocketsWhenAskedTo() {
    assertThat(
            filter(false, true)
                .keeps(
                    Sockets.client("10.0.0.1", 40000, "10.0.0.9", 4317)
                        .pid((int) SELF_PID)
                        .build()))
        .isTrue();
  }

  @Test
  void dropsServerSocketsOnTheAgentsPortInItsOwnNamespace() {
    assertThat(
            DEFAULT.keeps(
                Sockets.server("10.0.0.1", SELF_PORT, "10.0.0.7", 51000).netns(SELF_NETNS).build()))
        .isFalse();
  }

  @Test
  void keepsServerSocketsOnTheSamePortInAnotherNamespace() {
    assertThat(
            DEFAULT.keeps(
                Sockets.server("10.1.0.5", SELF_PORT, "10.0.0.7", 51000)
                    .netns(OTHER_NETNS)
                    .build()))
        .isTrue();
  }

  @Test
  void keepsServerSocketsOnOtherPortsInTheAgentsNamespace() {
    assertThat(
            DEFAULT.keeps(
                Sockets.server("10.0.0.1", 8080, "10.0.0.7", 51000).netns(SELF_NETNS).build()))
        .isTrue();
  }

  @Test
  void keepsServerSocketsOnTheAgentsPortWhenAskedToKeepItsOwn() {
    assertThat(
            filter(false, true)
                .keeps(
                    Sockets.server("10.0.0.1", SELF_PORT, "10.0.0.7", 51000)
                        .netns(SELF_NETNS)
                        .build()))
        .isTrue();
  }

  @Test
  void unknownPidIsNeverTakenForTheAgent() {
    SocketFilter pidZero = new SocketFilter(false, false, 0, SELF_NETNS, Set.of(SELF_PORT));

    assertThat(pidZero.keeps(Sockets.client("10.0.0.1", 40000, "10.0.0.2", 5432).pid(0).build()))
        .isTrue();
  }
}
