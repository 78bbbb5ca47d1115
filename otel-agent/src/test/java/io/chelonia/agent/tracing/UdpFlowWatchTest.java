package io.chelonia.agent.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.kernel.SocketRole;
import io.chelonia.agent.kernel.UdpFlow;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A UDP flow is handed on while it moves and taken out of the kernel once still for two polls. */
class UdpFlowWatchTest {
  private final UdpFlowWatch watch = new UdpFlowWatch(2);
  private final List<UdpFlow> takenOut = new ArrayList<>();

  @Test
  void aFlowIsHandedOnWhileItMovesAndTakenOutWithItsLastCountsAfterTwoStillPolls() {
    UdpFlow first = flow(1, 10);
    assertThat(harvest(first).moved()).containsExactly(first);
    UdpFlow more = flow(2, 20);
    assertThat(harvest(more).moved()).containsExactly(more);

    UdpFlowWatch.Harvest still = harvest(more);
    assertThat(still.moved()).isEmpty();
    assertThat(still.ended()).isEmpty();

    // The second still poll: taken out, with what the kernel held at that moment (one more).
    UdpFlowWatch.Harvest ended = harvest(more);
    assertThat(takenOut).containsExactly(more);
    assertThat(ended.ended()).containsExactly(flow(3, 30));
    assertThat(ended.moved()).isEmpty();
  }

  @Test
  void aFlowThatMovesAgainStartsItsStillCountOver() {
    harvest(flow(1, 10));
    harvest(flow(1, 10));
    assertThat(harvest(flow(2, 20)).moved()).hasSize(1);
    assertThat(harvest(flow(2, 20)).ended()).isEmpty();
    assertThat(harvest(flow(2, 20)).ended()).hasSize(1);
  }

  private UdpFlowWatch.Harvest harvest(UdpFlow flow) {
    return watch.harvest(
        List.of(flow),
        gone -> {
          takenOut.add(gone);
          return Optional.of(flow(gone.datagramsSent() + 1, gone.bytesSent() + 10));
        });
  }

  private static UdpFlow flow(long datagrams, long bytes) {
    return new UdpFlow(
        42,
        4026531840L,
        1,
        100,
        "client",
        SocketRole.CLIENT,
        InetAddress.ofLiteral("198.18.43.1"),
        40000,
        InetAddress.ofLiteral("198.18.43.2"),
        53,
        2,
        bytes,
        0,
        datagrams,
        0);
  }
}
