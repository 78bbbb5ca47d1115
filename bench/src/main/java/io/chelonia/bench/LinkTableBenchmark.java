package io.chelonia.bench;

import io.chelonia.agent.identity.AddressResolver;
import io.chelonia.agent.kernel.KernelCounters;
import io.chelonia.agent.kernel.SocketSnapshot;
import io.chelonia.agent.link.LinkTable;
import io.chelonia.agent.link.PortRange;
import io.chelonia.agent.testing.Sockets;
import io.chelonia.agent.tracing.SocketPoll;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The user-space half of a poll: {@link LinkTable#apply} folding one harvest of N sockets into
 * links. The sockets look like a busy node: half are clients of 1,000 servers on 3 ports, half are
 * accepted by two local services from 500 clients, so N sockets make 3,500 links.
 *
 * <p>{@code firstPoll} is the agent's first poll (every socket new: named, keyed, tracked), on a
 * table made fresh per invocation outside the timing (a poll takes milliseconds, far above JMH's
 * per-invocation overhead). {@code steadyPoll} is every later poll of sockets that stayed idle
 * since the last, which is most sockets of a busy node; one that moved bytes adds a few additions
 * and an RTT sample, no allocation. Allocation per poll: {@code -prof gc}, gc.alloc.rate.norm.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class LinkTableBenchmark {
  private static final PortRange EPHEMERAL = PortRange.LINUX_DEFAULT_EPHEMERAL;
  private static final int SERVERS = 1_000;
  private static final int[] SERVER_PORTS = {80, 443, 5432};
  private static final int CLIENTS = 500;
  private static final int[] LOCAL_SERVICE_PORTS = {8080, 9090};

  @State(Scope.Benchmark)
  public static class Harvests {
    @Param({"10000", "100000"})
    int sockets;

    SocketPoll harvest;

    @Setup(Level.Trial)
    public void build() {
      List<SocketSnapshot> live = new ArrayList<>(sockets);
      for (int i = 0; i < sockets; i++) {
        live.add(
            socketNumber(i)
                .bornSeen()
                .established()
                .srtt(200 + i % 300)
                .sent(1_000)
                .received(4_000)
                .build());
      }
      harvest =
          new SocketPoll(
              Instant.EPOCH, live, List.of(), KernelCounters.NONE, 1, Duration.ZERO, true);
    }

    private static Sockets socketNumber(int i) {
      // Distinct ephemeral ports per peer are not needed: cookies, not ports, tell sockets apart.
      int ephemeral = EPHEMERAL.first() + i % (EPHEMERAL.last() - EPHEMERAL.first());
      if (i % 2 == 0) {
        int server = (i / 2) % SERVERS;
        return Sockets.client(
            "10.0.0.1", ephemeral, address(1, server), SERVER_PORTS[(i / 2) % SERVER_PORTS.length]);
      }
      int client = (i / 2) % CLIENTS;
      return Sockets.server(
          "10.0.0.1",
          LOCAL_SERVICE_PORTS[(i / 2) % LOCAL_SERVICE_PORTS.length],
          address(2, client),
          ephemeral);
    }

    private static String address(int network, int host) {
      return "10." + network + "." + host / 250 + "." + (1 + host % 250);
    }
  }

  @State(Scope.Thread)
  public static class FreshTable {
    LinkTable table;

    @Setup(Level.Invocation)
    public void create() {
      table = new LinkTable(new AddressResolver(), EPHEMERAL);
    }
  }

  @State(Scope.Thread)
  public static class WarmTable {
    LinkTable table;

    @Setup(Level.Trial)
    public void create(Harvests harvests) {
      table = new LinkTable(new AddressResolver(), EPHEMERAL);
      table.apply(harvests.harvest);
    }
  }

  @Benchmark
  public LinkTable firstPoll(Harvests harvests, FreshTable fresh) {
    fresh.table.apply(harvests.harvest);
    return fresh.table;
  }

  @Benchmark
  public LinkTable steadyPoll(Harvests harvests, WarmTable warm) {
    warm.table.apply(harvests.harvest);
    return warm.table;
  }
}
