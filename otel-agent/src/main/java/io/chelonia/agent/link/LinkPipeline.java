package io.chelonia.agent.link;

import io.chelonia.agent.identity.EndpointResolver;
import io.chelonia.agent.kernel.DnsMessage;
import io.chelonia.agent.kernel.KernelSockets;
import io.chelonia.agent.lifecycle.Closing;
import io.chelonia.agent.tracing.ActualDestinations;
import io.chelonia.agent.tracing.ConntrackDestinations;
import io.chelonia.agent.tracing.LookupCounters;
import io.chelonia.agent.tracing.NamespaceDirectory;
import io.chelonia.agent.tracing.SocketFilter;
import io.chelonia.agent.tracing.SocketPoll;
import io.chelonia.agent.tracing.SocketTracer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The data path from the kernel to links, assembled and driven: probes loaded and attached, a
 * tracer harvesting them, a table folding the harvests. Owns the poll cycle: each {@link #poll()}
 * harvests, folds, expires idle links and returns one {@link LinkPoll}; {@link #run} polls at the
 * configured interval and hands each poll to the listeners.
 *
 * <p>Not thread-safe: one platform thread polls (the namespace switch is per thread).
 */
public final class LinkPipeline implements AutoCloseable {
  private final PipelineConfig config;
  private final SocketTracer tracer;
  private final LinkTable table;
  private final Optional<ConntrackDestinations> destinations;
  private final Consumer<DnsMessage> dnsMessages;

  private LinkPipeline(
      PipelineConfig config,
      SocketTracer tracer,
      LinkTable table,
      Optional<ConntrackDestinations> destinations,
      Consumer<DnsMessage> dnsMessages) {
    this.config = config;
    this.tracer = tracer;
    this.table = table;
    this.destinations = destinations;
    this.dnsMessages = dnsMessages;
  }

  /**
   * @param selfPorts ports the agent itself listens on, left out unless asked otherwise
   */
  public static LinkPipeline open(
      PipelineConfig config, EndpointResolver resolver, Set<Integer> selfPorts, Clock clock) {
    return open(config, resolver, message -> {}, selfPorts, clock);
  }

  /**
   * @param dnsMessages learns from the DNS answers sockets received (when the kernel options copy
   *     them), at each poll before the sockets are harvested: a connection made after its answer is
   *     named with what the answer taught
   * @param selfPorts ports the agent itself listens on, left out unless asked otherwise
   */
  public static LinkPipeline open(
      PipelineConfig config,
      EndpointResolver resolver,
      Consumer<DnsMessage> dnsMessages,
      Set<Integer> selfPorts,
      Clock clock) {
    NamespaceDirectory namespaces = new NamespaceDirectory();
    SocketFilter filter =
        new SocketFilter(
            config.includeLoopback(),
            config.includeSelf(),
            ProcessHandle.current().pid(),
            namespaces.own(),
            selfPorts);
    KernelSockets kernel = KernelSockets.open(config.kernel());
    SocketTracer tracer = new SocketTracer(kernel, namespaces, filter, clock);
    Optional<ConntrackDestinations> destinations =
        config.serviceBackends()
            ? Optional.of(new ConntrackDestinations(namespaces))
            : Optional.empty();
    LinkTable table =
        new LinkTable(
            resolver,
            destinations.<ActualDestinations>map(d -> d).orElse(ActualDestinations.NONE),
            PortRange.ephemeral(Path.of("/proc/sys")),
            NamingWait.DEFAULT_POLLS);
    return new LinkPipeline(config, tracer, table, destinations, dnsMessages);
  }

  /** Harvests the kernel, folds the harvest into the link table and expires idle links. */
  public LinkPoll poll() {
    long started = System.nanoTime();
    List<ResolverAnswer> answers = new ArrayList<>();
    tracer.drainDnsMessages(
        message -> {
          dnsMessages.accept(message);
          ResolverAnswer.of(message).ifPresent(answers::add);
        });
    SocketPoll harvest = tracer.poll();
    table.apply(harvest);
    table.countDnsAnswers(answers);
    List<Link> expired = table.expireIdle(harvest.time(), config.linkIdleExpiry());
    List<Link> links = table.links();
    return new LinkPoll(
        harvest.time(),
        Duration.ofNanos(System.nanoTime() - started),
        harvest.namespaces(),
        KernelDrops.of(harvest.kernel()),
        links,
        expired,
        table.counters());
  }

  /**
   * Polls now and then at every poll interval, on the calling thread, handing each poll to the
   * listeners in order, until the duration is over or {@code stop} is counted down (a poll under
   * way is finished first).
   */
  public void run(Optional<Duration> duration, CountDownLatch stop, List<PollListener> listeners)
      throws InterruptedException {
    long deadline = duration.map(d -> System.nanoTime() + d.toNanos()).orElse(Long.MAX_VALUE);
    long next = System.nanoTime();
    while (true) {
      LinkPoll poll = poll();
      for (PollListener listener : listeners) {
        listener.onPoll(poll);
      }
      next += config.pollInterval().toNanos();
      long now = System.nanoTime();
      if (now >= deadline) {
        return;
      }
      long wait = Math.min(next, deadline) - now;
      if (wait > 0 && stop.await(wait, TimeUnit.NANOSECONDS)) {
        return;
      }
    }
  }

  /** The link table the polls fold into, for tests and benchmarks that look inside. */
  public LinkTable table() {
    return table;
  }

  public PipelineConfig config() {
    return config;
  }

  /** What the Service backend lookups found so far; empty when they are off. */
  public Optional<LookupCounters.Snapshot> serviceBackendLookups() {
    return destinations.map(ConntrackDestinations::counters);
  }

  @Override
  public void close() {
    Closing.closeAll(tracer, () -> destinations.ifPresent(ConntrackDestinations::close));
  }
}
