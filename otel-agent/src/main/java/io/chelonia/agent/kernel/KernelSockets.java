package io.chelonia.agent.kernel;

import io.chelonia.agent.lifecycle.Closing;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Chelonia's kernel programs, loaded and attached: the socket table they keep, the ring buffer of
 * closed sockets, and the per-namespace iterator. The only public door to the kernel side;
 * everything it returns is a Java record.
 *
 * <p>Not thread-safe: one poll thread drives it.
 */
public final class KernelSockets implements AutoCloseable {
  static final String OBJECT_RESOURCE = "chelonia.bpf.o";

  private static final int BATCH_CAPACITY = 4096;
  private static final int ITERATOR_READ_BUFFER = 4096;

  private final LibC libc;
  private final BpfObject object;
  private final BpfMap sockets;
  private final BpfMap stats;
  private final RingBuffer closedSockets;
  private final BpfLink iterator;
  private final NetworkNamespaces namespaces;
  private final Arena buffers;
  private final BpfMap.BatchBuffers batch;
  private final MemorySegment iteratorReadBuffer;
  private final int possibleCpus;
  private Consumer<SocketSnapshot> closedSink = snapshot -> {};
  private boolean closed;

  /** Links belong to the object, which the caller closes if this fails; the rest is closed here. */
  private KernelSockets(BpfObject object) {
    Libbpf libbpf = Libbpf.get();
    LibC libc = LibC.get();
    this.libc = libc;
    this.object = object;
    this.sockets = object.map("sockets");
    this.stats = object.map("stats");
    this.possibleCpus = libbpf.possibleCpus();
    object.attach("on_state_change");
    object.attach("on_segment_received");
    this.iterator = object.attachIterator("refresh_namespace");
    this.closedSockets =
        new RingBuffer(object.map("closed_sockets"),
            segment -> closedSink.accept(SocketRecordLayout.decode(segment, 0)));
    try {
      this.namespaces = new NetworkNamespaces(libc);
    } catch (RuntimeException | Error e) {
      closedSockets.close();
      throw e;
    }
    this.buffers = Arena.ofShared();
    this.batch = new BpfMap.BatchBuffers(buffers, BATCH_CAPACITY, Long.BYTES, SocketRecordLayout.size());
    this.iteratorReadBuffer = buffers.allocate(ITERATOR_READ_BUFFER);
  }

  /**
   * Checks the kernel, loads the programs with the given map sizes and attaches them.
   *
   * @throws KernelException with a one-line reason when the kernel, libbpf or the privileges
   *     are not what the programs need
   */
  public static KernelSockets open(KernelOptions options) {
    new KernelRequirements().verify();
    BpfObject object = BpfObject.open("chelonia", objectBytes());
    try {
      object.setMaxEntries("sockets", options.maxSockets());
      object.setMaxEntries("listeners", options.maxListeners());
      object.setMaxEntries("closed_sockets", options.ringBufferBytes());
      object.load();
      return new KernelSockets(object);
    } catch (RuntimeException | Error e) {
      object.close();
      throw e;
    }
  }

  static byte[] objectBytes() {
    try (InputStream in = KernelSockets.class.getResourceAsStream(OBJECT_RESOURCE)) {
      if (in == null) {
        throw new KernelException("the agent jar lacks its kernel object " + OBJECT_RESOURCE);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Runs the iterator in the agent's own network namespace: finds older sockets, learns the
   * listening ports, brings every counter up to date.
   */
  public void refreshOwnNamespace() {
    runIterator(iterator.openIterator());
  }

  /** The same, in the namespace of an nsfs file such as /proc/PID/ns/net. */
  public void refreshNamespace(Path namespace) {
    runIterator(namespaces.runIn(namespace, iterator::openIterator));
  }

  private void runIterator(Fd run) {
    try (run) {
      libc.drain(run, iteratorReadBuffer, "iterator refresh_namespace");
    }
  }

  /** Hands every socket closed since the last call, with its final counters, to the sink. */
  public int drainClosed(Consumer<SocketSnapshot> sink) {
    closedSink = sink;
    try {
      return closedSockets.consume();
    } finally {
      closedSink = snapshot -> {};
    }
  }

  /**
   * Hands every socket in the kernel's table to the sink. A socket that closed while the ring
   * buffer was full comes here with {@link SocketSnapshot#closed()}: {@link #forget} it
   * once folded.
   */
  public void harvest(Consumer<SocketSnapshot> sink) {
    sockets.forEachValue(batch, (values, offset) -> sink.accept(SocketRecordLayout.decode(values, offset)));
  }

  /** Removes a socket's record from the kernel's table. */
  public void forget(long cookie) {
    sockets.delete(cookie);
  }

  /** Events the kernel programs could not record, since load. */
  public KernelCounters counters() {
    return new KernelCounters(
        stats.sumPerCpu(0, possibleCpus), stats.sumPerCpu(1, possibleCpus), stats.sumPerCpu(2, possibleCpus));
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    // The ring before the object that owns its map; all of it even when a step fails.
    Closing.closeAll(closedSockets, object, namespaces, buffers);
  }
}
