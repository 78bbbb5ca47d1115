package io.chelonia.agent.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.AddressResolver;
import io.chelonia.agent.testing.HeldExchange;
import io.chelonia.agent.testing.Links;
import io.chelonia.agent.testing.NetnsHosts;
import io.chelonia.agent.testing.PeerExchange;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Failures whose reason the kernel makes easy to get wrong, reproduced on the real kernel between
 * two network-namespace hosts: each test failed before the probes learnt the case.
 */
class ConnectionFailuresKernelTest {
  private NetnsHosts hosts;
  private LinkPipeline pipeline;

  @BeforeEach
  void start() {
    hosts = NetnsHosts.create();
    pipeline =
        LinkPipeline.open(
            PipelineConfig.defaults(), new AddressResolver(), Set.of(), Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    if (pipeline != null) {
      pipeline.close();
    }
    hosts.close();
  }

  /**
   * tcp_v4_connect enters SYN_SENT before it picks a local port and goes back to CLOSE without an
   * error when none is free: no SYN on the wire, and not a timeout.
   */
  @Test
  void connectWithNoFreeLocalPortCountsAsLocalPortExhaustedOnTheLinkToTheIntendedServer() {
    NetnsHosts.runIn(
        hosts.nameA(), "sysctl", "-q", "-w", "net.ipv4.ip_local_port_range=40000 40000");
    String server = hosts.ipv4B().getHostAddress();
    try (HeldExchange held =
        HeldExchange.start(
            Optional.of(hosts.nameA()), Optional.of(hosts.nameB()), server, 10, 20, 1)) {
      List<String> failures =
          PeerExchange.connectFailing(Optional.of(hosts.nameA()), server, held.port(), 3);
      assertThat(failures)
          .allSatisfy(failure -> assertThat(failure).contains("assign requested address"));

      pipeline.poll();

      Link link = Links.only(pipeline.table(), held.port(), Observer.CLIENT);
      assertThat(link.totals().failures())
          .isEqualTo(Map.of(FailureReason.LOCAL_PORT_EXHAUSTED, 3L));
      assertThat(link.totals().connectionsOpened()).isEqualTo(1);
      assertThat(link.totals().activeConnections()).isEqualTo(1);
      held.hangUp();
    }
  }

  /**
   * Many clients at once against a host that answers with ICMP host-unreachable: the error reaches
   * the application, which may read (and so clear) it before the socket closes. Every attempt must
   * still count as unreachable, none as a timeout.
   */
  @Test
  void unreachableAnsweredToManyClientsAtOnceIsNeverCountedAsTimeout() {
    // Not 9, where another test is refused: tests of other builds may run beside this one.
    int port = 13;
    int attempts = 60;
    // Every attempt gets its answer at once: no ICMP rate limit in the answering host.
    NetnsHosts.runIn(
        hosts.nameB(),
        "sysctl",
        "-q",
        "-w",
        "net.ipv4.icmp_ratelimit=0",
        "net.ipv4.icmp_msgs_per_sec=100000",
        "net.ipv4.icmp_msgs_burst=100000");
    NetnsHosts.runIn(
        hosts.nameB(),
        "iptables",
        "-A",
        "INPUT",
        "-p",
        "tcp",
        "--dport",
        String.valueOf(port),
        "-j",
        "REJECT",
        "--reject-with",
        "icmp-host-unreachable");

    List<String> failures =
        PeerExchange.connectFailing(
            Optional.of(hosts.nameA()), hosts.ipv4B().getHostAddress(), port, attempts);
    assertThat(failures).allSatisfy(failure -> assertThat(failure).contains("No route to host"));
    pipeline.poll();

    Link link = Links.only(pipeline.table(), port, Observer.CLIENT);
    assertThat(link.totals().failures())
        .isEqualTo(Map.of(FailureReason.UNREACHABLE, (long) attempts));
    assertThat(link.totals().connectionsOpened()).isZero();
  }
}
