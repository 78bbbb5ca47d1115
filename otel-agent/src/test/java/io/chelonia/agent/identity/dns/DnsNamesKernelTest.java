package io.chelonia.agent.identity.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.ResolverChain;
import io.chelonia.agent.kernel.KernelOptions;
import io.chelonia.agent.lifecycle.Closing;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkPipeline;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.link.PipelineConfig;
import io.chelonia.agent.testing.Await;
import io.chelonia.agent.testing.NetnsHosts;
import io.chelonia.agent.testing.NetnsResolver;
import io.chelonia.agent.testing.ResolvingClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Names from DNS answers on the real kernel: a real DNS server (dnsmasq) on host B answers {@code
 * api.chelonia.test} with B's addresses; workloads on host A resolve it, through glibc and through
 * a query of their own, and connect. The link's server end must carry the name they asked for.
 * Needs root and dnsmasq; fails, never skips, without them.
 */
class DnsNamesKernelTest {
  private static final String NAME = "api.chelonia.test";
  private static final String ALIAS = "alias.chelonia.test";
  private static final AtomicInteger PORTS = new AtomicInteger(18_431);

  private static NetnsHosts hosts;
  private static NetnsResolver resolver;

  private DnsNames names;
  private LinkPipeline pipeline;

  @BeforeAll
  static void startResolver() {
    hosts = NetnsHosts.create();
    resolver =
        NetnsResolver.on(hosts)
            .listenOn(hosts.ipv4B(), hosts.ipv6B())
            .hostRecord(NAME, hosts.ipv4B(), hosts.ipv6B())
            .cname(ALIAS, NAME)
            .start();
  }

  @AfterAll
  static void stopResolver() {
    Closing.closeAll(resolver, hosts);
  }

  @BeforeEach
  void attachProbes() {
    names = DnsNames.withDefaults();
    // The program sees every answer on the machine: the counts asserted are host A's alone.
    long hostA = hosts.inode(hosts.nameA());
    pipeline =
        LinkPipeline.open(
            PipelineConfig.defaults().withKernel(KernelOptions.defaults().withDnsAnswers(true)),
            new ResolverChain(List.of(names)),
            message -> {
              if (message.netns() == hostA) {
                names.accept(message);
              }
            },
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
  void aConnectionResolvedThroughGlibcIsNamedByTheNameAsked() {
    assertServerNamed(NAME, port -> ResolvingClient.throughGlibc(hosts.nameA(), NAME, false, port));
  }

  @Test
  void aConnectionResolvedByItsOwnQueryIsNamedByTheNameAsked() {
    assertServerNamed(
        NAME,
        port -> ResolvingClient.throughOwnQuery(hosts.nameA(), hosts.ipv4B(), NAME, false, port));
  }

  @Test
  void aCnameChainNamesByTheNameAskedNotItsTarget() {
    assertServerNamed(
        ALIAS,
        port -> ResolvingClient.throughOwnQuery(hosts.nameA(), hosts.ipv4B(), ALIAS, false, port));
  }

  @Test
  void anAaaaAnswerOverIpv6NamesTheIpv6Connection() {
    assertServerNamed(
        NAME,
        port -> ResolvingClient.throughOwnQuery(hosts.nameA(), hosts.ipv6B(), NAME, true, port));
  }

  @Test
  void anAnswerOverTcpNamesTheConnection() {
    assertServerNamed(
        NAME,
        port -> ResolvingClient.throughOwnQueryOverTcp(hosts.nameA(), hosts.ipv4B(), NAME, port));
  }

  @Test
  void aNameThatDoesNotExistIsCountedAsNxdomain() {
    pipeline.poll();
    String out =
        ResolvingClient.throughOwnQuery(
            hosts.nameA(), hosts.ipv4B(), "missing.chelonia.test", false, 9);
    assertThat(out).isEqualTo("rcode 3");

    pipeline.poll();

    assertThat(names.counters().answersByRcode()).isEqualTo(java.util.Map.of(3, 1L));
    assertThat(names.counters().learned()).isZero();
    assertThat(names.counters().malformed()).isZero();
  }

  private void assertServerNamed(String name, java.util.function.IntFunction<String> client) {
    int port = PORTS.getAndIncrement();
    Process server = ResolvingClient.sinkServer(hosts.nameB(), port, 1);
    try {
      pipeline.poll();
      assertThat(client.apply(port)).startsWith("connected ");

      Link link =
          Await.until(
              Duration.ofSeconds(20),
              Duration.ofMillis(200),
              () -> {
                pipeline.poll();
                return pipeline.table().links().stream()
                    .filter(
                        l -> l.key().serverPort() == port && l.key().observer() == Observer.CLIENT)
                    .findFirst();
              },
              () -> "no link to port " + port + " in " + pipeline.table().links());

      assertThat(link.key().server())
          .isEqualTo(new Endpoint(Endpoint.NAMESPACE_EXTERNAL, Endpoint.KIND_EXTERNAL, name));
      assertThat(link.totals().bytesClientToServer()).isEqualTo(100);
      assertThat(names.counters().malformed()).isZero();
    } finally {
      server.destroyForcibly();
    }
  }
}
