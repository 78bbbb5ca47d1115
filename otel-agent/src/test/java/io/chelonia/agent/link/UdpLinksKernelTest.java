package io.chelonia.agent.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.AddressResolver;
import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.kernel.HarvestPath;
import io.chelonia.agent.kernel.KernelOptions;
import io.chelonia.agent.kernel.KernelSockets;
import io.chelonia.agent.lifecycle.Closing;
import io.chelonia.agent.testing.Command;
import io.chelonia.agent.testing.NetnsHosts;
import io.chelonia.agent.testing.NetnsResolver;
import io.chelonia.agent.testing.UdpExchange;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * UDP links on the real kernel (--udp): real datagrams between two namespace hosts, by real
 * processes, counted exactly both ways, from both ends; and DNS through a real dnsmasq, which
 * appears as a link to port 53. The hosts have addresses (198.18.43.0/30, 2001:db8:43::/64) and the
 * servers ports (43000-43099) no other test uses: the programs see every socket of the machine.
 * Needs root; fails, never skips, without it.
 */
class UdpLinksKernelTest {
  private static final AtomicInteger PORTS = new AtomicInteger(43_000);
  private static final String NAME = "api.chelonia.test";

  private static NetnsHosts hosts;
  private static NetnsResolver resolver;

  private LinkPipeline pipeline;

  @BeforeAll
  static void createHosts() {
    hosts =
        NetnsHosts.create(
            "udp",
            List.of(
                InetAddress.ofLiteral("198.18.43.1"),
                InetAddress.ofLiteral("198.18.43.2"),
                InetAddress.ofLiteral("2001:db8:43::1"),
                InetAddress.ofLiteral("2001:db8:43::2")));
    // No resolver on B's IPv6 address: a query there goes unanswered.
    resolver =
        NetnsResolver.on(hosts).listenOn(hosts.ipv4B()).hostRecord(NAME, hosts.ipv4B()).start();
  }

  @AfterAll
  static void removeHosts() {
    Closing.closeAll(resolver, hosts);
  }

  @BeforeEach
  void attachProbes() {
    pipeline =
        LinkPipeline.open(
            PipelineConfig.defaults().withKernel(KernelOptions.defaults().withUdp(true)),
            new AddressResolver(),
            Set.of(),
            Clock.systemUTC());
  }

  @AfterEach
  void detachProbes() {
    if (pipeline != null) {
      pipeline.close();
    }
  }

  @Test
  void connectedClientExchangeIsExactBothWaysFromBothEnds() {
    int port = PORTS.getAndIncrement();
    UdpExchange.run(hosts.nameA(), hosts.nameB(), hosts.ipv4B(), port, 7, 123, 4567, true);

    pipeline.poll();

    Link client = udpLink(port, Observer.CLIENT);
    assertThat(client.key().client()).isEqualTo(Endpoint.host("198.18.43.1"));
    assertThat(client.key().server()).isEqualTo(Endpoint.external("198.18.43.2"));
    Link server = udpLink(port, Observer.SERVER);
    assertThat(server.key().client()).isEqualTo(Endpoint.external("198.18.43.1"));
    assertThat(server.key().server()).isEqualTo(Endpoint.host("198.18.43.2"));
    for (Link link : List.of(client, server)) {
      assertExchange(link, 7, 123, 4567);
      assertThat(link.key().networkType()).isEqualTo(NetworkType.IPV4);
    }
  }

  @Test
  void unconnectedClientExchangeIsExactBothWaysFromBothEnds() {
    int port = PORTS.getAndIncrement();
    UdpExchange.run(hosts.nameA(), hosts.nameB(), hosts.ipv4B(), port, 5, 1000, 10, false);

    pipeline.poll();

    Link client = udpLink(port, Observer.CLIENT);
    // Bound to no address: the socket's own end is the wildcard until a source names its owner.
    assertThat(client.key().client()).isEqualTo(Endpoint.host("0.0.0.0"));
    assertThat(client.key().server()).isEqualTo(Endpoint.external("198.18.43.2"));
    assertExchange(client, 5, 1000, 10);
    Link server = udpLink(port, Observer.SERVER);
    assertThat(server.key().client()).isEqualTo(Endpoint.external("198.18.43.1"));
    assertExchange(server, 5, 1000, 10);
  }

  @Test
  void aDualStackServerSocketSeesItsIpv4ClientAsOnePeerBothWays() {
    int port = PORTS.getAndIncrement();
    // Bound to "::": it reads the client's address v4-mapped and sends back through IPv4.
    UdpExchange.run(
        hosts.nameA(),
        hosts.nameB(),
        InetAddress.ofLiteral("::"),
        hosts.ipv4B(),
        port,
        4,
        300,
        700,
        false);

    pipeline.poll();

    Link server = udpLink(port, Observer.SERVER);
    assertThat(server.key().client()).isEqualTo(Endpoint.external("198.18.43.1"));
    assertThat(server.key().networkType()).isEqualTo(NetworkType.IPV4);
    assertExchange(server, 4, 300, 700);
    assertExchange(udpLink(port, Observer.CLIENT), 4, 300, 700);
  }

  @Test
  void ipv6ExchangeIsCountedAsIpv6() {
    int port = PORTS.getAndIncrement();
    UdpExchange.run(hosts.nameA(), hosts.nameB(), hosts.ipv6B(), port, 3, 77, 88, true);

    pipeline.poll();

    Link client = udpLink(port, Observer.CLIENT);
    assertThat(client.key().networkType()).isEqualTo(NetworkType.IPV6);
    assertThat(client.key().client()).isEqualTo(Endpoint.host("2001:db8:43::1"));
    assertThat(client.key().server()).isEqualTo(Endpoint.external("2001:db8:43::2"));
    assertExchange(client, 3, 77, 88);
    Link server = udpLink(port, Observer.SERVER);
    assertThat(server.key().client()).isEqualTo(Endpoint.external("2001:db8:43::1"));
    assertExchange(server, 3, 77, 88);
  }

  @Test
  void anIdleFlowIsTakenOutOfTheKernelWithItsCountsAndTheLinkKeepsThem() {
    int port = PORTS.getAndIncrement();
    UdpExchange.run(hosts.nameA(), hosts.nameB(), hosts.ipv4B(), port, 2, 10, 20, true);
    pipeline.poll();
    // Still for two polls: taken out of the kernel at the second, its final counts read as it
    // goes, and counted once.
    pipeline.poll();
    pipeline.poll();
    assertExchange(udpLink(port, Observer.CLIENT), 2, 10, 20);
    assertExchange(udpLink(port, Observer.SERVER), 2, 10, 20);

    UdpExchange.run(hosts.nameA(), hosts.nameB(), hosts.ipv4B(), port, 3, 10, 20, true);
    pipeline.poll();

    assertExchange(udpLink(port, Observer.CLIENT), 5, 10, 20);
    assertExchange(udpLink(port, Observer.SERVER), 5, 10, 20);
  }

  @Test
  void aQueryThroughGlibcToDnsmasqIsALinkToPort53() {
    pipeline.poll();
    Command.Result resolved =
        Command.run(
            Duration.ofSeconds(30),
            List.of(
                "ip",
                "netns",
                "exec",
                hosts.nameA(),
                "python3",
                "-c",
                "import socket; print(socket.getaddrinfo('"
                    + NAME
                    + "', 80, socket.AF_INET, socket.SOCK_DGRAM)[0][4][0])"));
    assertThat(resolved.succeeded()).as(resolved.output()).isTrue();
    assertThat(resolved.stdout().strip()).isEqualTo("198.18.43.2");

    pipeline.poll();

    Link query = udpLink(53, Observer.CLIENT);
    assertThat(query.key().client()).isEqualTo(Endpoint.host("198.18.43.1"));
    assertThat(query.key().server()).isEqualTo(Endpoint.external("198.18.43.2"));
    // One A query of the name, one answer with one address: header, question, one record.
    int question = 1 + 3 + 1 + 8 + 1 + 4 + 1 + 4;
    assertThat(query.totals().datagramsClientToServer()).isEqualTo(1);
    assertThat(query.totals().datagramsServerToClient()).isEqualTo(1);
    assertThat(query.totals().bytesClientToServer()).isEqualTo(12 + question);
    assertThat(query.totals().bytesServerToClient()).isEqualTo(12 + question + 16);
    Link answered = udpLink(53, Observer.SERVER);
    assertThat(answered.key().server()).isEqualTo(Endpoint.host("198.18.43.2"));
    assertThat(answered.totals().datagramsClientToServer()).isEqualTo(1);
    assertThat(answered.totals().datagramsServerToClient()).isEqualTo(1);
  }

  @Test
  void answersByResponseCodeAndQueriesWithoutAnswerAreOnTheLinkToTheResolver() {
    pipeline.close();
    pipeline =
        LinkPipeline.open(
            PipelineConfig.defaults()
                .withKernel(KernelOptions.defaults().withUdp(true).withDnsAnswers(true)),
            new AddressResolver(),
            Set.of(),
            Clock.systemUTC());
    pipeline.poll();
    // Through glibc: one name that exists, one that does not (dnsmasq is authoritative for the
    // domain: NXDOMAIN); then a query of its own to B's IPv6 address, where no resolver listens.
    Command.Result asked =
        Command.run(
            Duration.ofSeconds(30),
            List.of(
                "ip",
                "netns",
                "exec",
                hosts.nameA(),
                "python3",
                "-c",
                """
                import socket, sys
                for name in sys.argv[1:3]:
                    try:
                        socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_DGRAM)
                        print("found", name)
                    except socket.gaierror:
                        print("not found", name)
                s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
                s.settimeout(2)
                s.connect((sys.argv[3], 53))
                s.send(bytes.fromhex("43210100000100000000000003617069086368656c6f6e696104746573740000010001"))
                try:
                    s.recv(512)
                    print("answered")
                except OSError:
                    print("no answer")
                """,
                NAME,
                "nope.chelonia.test",
                hosts.ipv6B().getHostAddress()));
    assertThat(asked.stdout())
        .as(asked.output())
        .contains("found " + NAME, "not found nope.chelonia.test", "no answer");

    pipeline.poll();

    Link resolver = udpLink(53, Observer.CLIENT, "198.18.43.2");
    assertThat(resolver.totals().datagramsClientToServer()).isEqualTo(2);
    assertThat(resolver.totals().datagramsServerToClient()).isEqualTo(2);
    assertThat(resolver.totals().dnsAnswers()).isEqualTo(java.util.Map.of(0, 1L, 3, 1L));
    assertThat(resolver.totals().dnsUnanswered()).isZero();
    Link silent = udpLink(53, Observer.CLIENT, "2001:db8:43::2");
    assertThat(silent.totals().datagramsClientToServer()).isEqualTo(1);
    assertThat(silent.totals().datagramsServerToClient()).isZero();
    assertThat(silent.totals().dnsAnswers()).isEmpty();
    assertThat(silent.totals().dnsUnanswered()).isEqualTo(1);
    // links --json says the same.
    com.fasterxml.jackson.databind.node.ObjectNode json =
        new io.chelonia.agent.map.LinkJson().toJson(java.time.Instant.EPOCH, resolver);
    assertThat(json.path("transport").asText()).isEqualTo("udp");
    assertThat(json.path("datagrams_client_to_server").asLong()).isEqualTo(2);
    assertThat(json.path("dns_answers").toString()).isEqualTo("{\"NOERROR\":1,\"NXDOMAIN\":1}");
    assertThat(json.path("dns_unanswered").asLong()).isZero();
  }

  @Test
  void withUdpOffTheKernelRunsOnlyTheProgramsOfTheTcpPath() {
    int port = PORTS.getAndIncrement();
    try (KernelSockets off = KernelSockets.open(KernelOptions.defaults())) {
      UdpExchange.run(hosts.nameA(), hosts.nameB(), hosts.ipv4B(), port, 1, 1, 1, true);

      assertThat(off.attachedPrograms())
          .containsExactlyInAnyOrder(
              "on_state_change",
              "on_destroy",
              "on_error_report",
              off.path() == HarvestPath.PROCESSES ? "harvest_processes" : "harvest_namespace");
      assertThat(off.countsUdp()).isFalse();
      assertThat(off.udpFlows()).isEmpty();
    }
  }

  @Test
  void withUdpOnTheTracepointsAndTheCgroupProgramsAreAttached() {
    try (KernelSockets on = KernelSockets.open(KernelOptions.defaults().withUdp(true))) {
      assertThat(on.attachedPrograms())
          .contains(
              "on_send_length",
              "on_recv_length",
              "on_udp_sendmsg4",
              "on_udp_sendmsg6",
              "on_udp_recvmsg4",
              "on_udp_recvmsg6")
          .doesNotContain("on_dns_answer");
    }
  }

  private static void assertExchange(Link link, int count, int request, int reply) {
    assertThat(link.key().transport()).isEqualTo(Transport.UDP);
    assertThat(link.totals().datagramsClientToServer())
        .as("%s datagrams client to server", link.key().observer())
        .isEqualTo(count);
    assertThat(link.totals().datagramsServerToClient())
        .as("%s datagrams server to client", link.key().observer())
        .isEqualTo(count);
    assertThat(link.totals().bytesClientToServer())
        .as("%s bytes client to server", link.key().observer())
        .isEqualTo((long) count * request);
    assertThat(link.totals().bytesServerToClient())
        .as("%s bytes server to client", link.key().observer())
        .isEqualTo((long) count * reply);
    // No connection series on a UDP link.
    assertThat(link.totals().connectionsOpened()).isZero();
    assertThat(link.totals().activeConnections()).isZero();
  }

  /** The one UDP link to this port, seen from this end, among this test's hosts' addresses. */
  private Link udpLink(int port, Observer observer) {
    return udpLink(port, observer, "");
  }

  /** The same, to a server whose name starts with {@code server}. */
  private Link udpLink(int port, Observer observer, String server) {
    List<Link> matching = new ArrayList<>();
    for (Link link : pipeline.table().links()) {
      LinkKey key = link.key();
      if (key.transport() == Transport.UDP
          && key.serverPort() == port
          && key.observer() == observer
          && key.server().name().startsWith(server)
          && (ours(key.client()) || ours(key.server()))) {
        matching.add(link);
      }
    }
    assertThat(matching).as("UDP links to port %d seen by %s", port, observer).hasSize(1);
    return matching.getFirst();
  }

  private static boolean ours(Endpoint end) {
    return end.name().startsWith("198.18.43.") || end.name().startsWith("2001:db8:43:");
  }
}
