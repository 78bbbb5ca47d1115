package io.chelonia.agent.cli;

import io.chelonia.agent.config.TracerConfig;
import io.chelonia.agent.identity.AddressResolver;
import io.chelonia.agent.kernel.KernelOptions;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkPipeline;
import io.chelonia.agent.tracing.SocketPoll;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Attaches the probes and prints the live link table at every poll. */
@Command(
    name = "links",
    mixinStandardHelpOptions = true,
    description = "Print this machine's TCP links at every poll (needs root or CAP_BPF+CAP_PERFMON).")
final class LinksCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--json", description = "One JSON object per link per poll instead of a table.")
  boolean json;

  @Option(
      names = "--duration",
      paramLabel = "SECONDS",
      description = "Stop by itself after this many seconds (default: run until interrupted).")
  Double durationSeconds;

  @Option(
      names = "--poll-interval",
      paramLabel = "SECONDS",
      defaultValue = "${env:CHELONIA_POLL_INTERVAL:-5}",
      description = "Seconds between harvests of the kernel's socket table (default: ${DEFAULT-VALUE}).")
  double pollIntervalSeconds;

  @Option(
      names = "--include-loopback",
      negatable = true,
      defaultValue = "${env:CHELONIA_INCLUDE_LOOPBACK:-false}",
      description = "Keep conversations over 127.0.0.0/8 and ::1 (default: ${DEFAULT-VALUE}).")
  boolean includeLoopback;

  @Option(
      names = "--include-self",
      negatable = true,
      defaultValue = "${env:CHELONIA_INCLUDE_SELF:-false}",
      description = "Keep the agent's own connections (default: ${DEFAULT-VALUE}).")
  boolean includeSelf;

  @Option(
      names = "--max-sockets",
      defaultValue = "${env:CHELONIA_MAX_SOCKETS:-" + KernelOptions.DEFAULT_MAX_SOCKETS + "}",
      description = "Sockets the kernel tracks at once (default: ${DEFAULT-VALUE}).")
  int maxSockets;

  @Option(
      names = "--max-listeners",
      defaultValue = "${env:CHELONIA_MAX_LISTENERS:-" + KernelOptions.DEFAULT_MAX_LISTENERS + "}",
      description = "Listening ports remembered across namespaces (default: ${DEFAULT-VALUE}).")
  int maxListeners;

  @Option(
      names = "--ring-buffer-bytes",
      defaultValue = "${env:CHELONIA_RING_BUFFER_BYTES:-" + KernelOptions.DEFAULT_RING_BUFFER_BYTES + "}",
      description = "Ring buffer for closed sockets, a power of two (default: ${DEFAULT-VALUE}).")
  int ringBufferBytes;

  @Override
  public Integer call() throws InterruptedException {
    TracerConfig config = new TracerConfig(
        Duration.ofMillis(Math.round(pollIntervalSeconds * 1000)),
        new KernelOptions(maxSockets, maxListeners, ringBufferBytes),
        includeLoopback,
        includeSelf);
    if (durationSeconds != null && durationSeconds <= 0) {
      throw new IllegalArgumentException("--duration must be positive, was " + durationSeconds);
    }
    PrintWriter out = spec.commandLine().getOut();
    LinkView view = json ? new JsonLinkView(out) : new TextLinkView(out);
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      stop.countDown();
      try {
        stopped.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "chelonia-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try (LinkPipeline pipeline =
        LinkPipeline.open(config, new AddressResolver(), Set.of(), Clock.systemUTC())) {
      long deadline = durationSeconds == null
          ? Long.MAX_VALUE
          : System.nanoTime() + Math.round(durationSeconds * 1e9);
      long interval = config.pollInterval().toNanos();
      long next = System.nanoTime();
      while (true) {
        SocketPoll poll = pipeline.pollOnce();
        List<Link> links = pipeline.links().links();
        view.show(poll, links, pipeline.links());
        next += interval;
        long now = System.nanoTime();
        if (now >= deadline) {
          return 0;
        }
        long wait = Math.min(next, deadline) - now;
        if (wait > 0 && stop.await(wait, TimeUnit.NANOSECONDS)) {
          return 0;
        }
      }
    } finally {
      stopped.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The hook is running: it waits for the countDown above.
      }
    }
  }
}
