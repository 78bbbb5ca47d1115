package io.chelonia.agent.link;

import io.chelonia.agent.config.TracerConfig;
import io.chelonia.agent.identity.EndpointResolver;
import io.chelonia.agent.kernel.KernelSockets;
import io.chelonia.agent.tracing.NamespaceDirectory;
import io.chelonia.agent.tracing.SocketFilter;
import io.chelonia.agent.tracing.SocketPoll;
import io.chelonia.agent.tracing.SocketTracer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Set;

/**
 * The data path from the kernel to the link table, assembled: probes loaded and attached, a
 * tracer harvesting them, a table folding the harvests. {@link #pollOnce()} runs one step.
 */
public final class LinkPipeline implements AutoCloseable {
  private final SocketTracer tracer;
  private final LinkTable links;
  private SocketPoll lastPoll;

  private LinkPipeline(SocketTracer tracer, LinkTable links) {
    this.tracer = tracer;
    this.links = links;
  }

  /**
   * @param selfPorts ports the agent itself listens on, left out unless asked otherwise
   */
  public static LinkPipeline open(
      TracerConfig config, EndpointResolver resolver, Set<Integer> selfPorts, Clock clock) {
    NamespaceDirectory namespaces = new NamespaceDirectory();
    SocketFilter filter = new SocketFilter(
        config.includeLoopback(), config.includeSelf(), ProcessHandle.current().pid(),
        namespaces.own(), selfPorts);
    KernelSockets kernel = KernelSockets.open(config.kernel());
    SocketTracer tracer = new SocketTracer(kernel, namespaces, filter, clock);
    LinkTable links = new LinkTable(resolver, PortRange.ephemeral(Path.of("/proc/sys")));
    return new LinkPipeline(tracer, links);
  }

  /** Harvests the kernel and folds the harvest into the link table. */
  public SocketPoll pollOnce() {
    SocketPoll poll = tracer.poll();
    links.apply(poll);
    lastPoll = poll;
    return poll;
  }

  public LinkTable links() {
    return links;
  }

  /** The last poll, null before the first. */
  public SocketPoll lastPoll() {
    return lastPoll;
  }

  @Override
  public void close() {
    tracer.close();
  }
}
