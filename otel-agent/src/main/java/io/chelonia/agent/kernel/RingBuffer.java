package io.chelonia.agent.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.chelonia.agent.lifecycle.Closing;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A libbpf ring buffer read by {@link #consume()} on the caller's thread (no epoll thread: the
 * agent drains it once per poll). The upcall stub lives in this object's arena, which is closed
 * only after {@code ring_buffer__free}, so libbpf never calls into a freed stub.
 */
final class RingBuffer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RingBuffer.class);

  private final Libbpf libbpf;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment ring;
  private final Consumer<MemorySegment> sink;
  private RuntimeException callbackFailure;
  private boolean closed;

  /** The sink sees each record as a segment valid only during the call: copy what you keep. */
  RingBuffer(BpfMap map, Consumer<MemorySegment> sink) {
    this.libbpf = Libbpf.get();
    this.sink = sink;
    try {
      this.ring = libbpf.newRingBuffer(map.fd(), map.name(), onSampleStub());
    } catch (RuntimeException | Error e) {
      arena.close();
      throw e;
    }
  }

  /** The upcall stub that calls {@link #onSample}, allocated in this object's arena. */
  @SuppressWarnings("restricted") // The binding is the code native access is enabled for.
  private MemorySegment onSampleStub() {
    MethodHandle onSample;
    try {
      onSample =
          MethodHandles.lookup()
              .bind(
                  this,
                  "onSample",
                  MethodType.methodType(
                      int.class, MemorySegment.class, MemorySegment.class, long.class));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
    return Linker.nativeLinker()
        .upcallStub(onSample, FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG), arena);
  }

  /** Hands every record waiting in the ring to the sink; returns how many there were. */
  int consume() {
    int consumed;
    try {
      consumed = libbpf.consumeRingBuffer(ring);
    } finally {
      RuntimeException failure = callbackFailure;
      callbackFailure = null;
      if (failure != null) {
        throw failure;
      }
    }
    return consumed;
  }

  /** Upcall from ring_buffer__consume. Nothing may escape it: a throw here would end the JVM. */
  @SuppressWarnings({"unused", "restricted"}) // Called from native code; the size is libbpf's.
  private int onSample(MemorySegment context, MemorySegment data, long size) {
    try {
      sink.accept(data.reinterpret(size));
    } catch (RuntimeException e) {
      // Kept and rethrown by consume(), on the Java side of the call.
      if (callbackFailure == null) {
        callbackFailure = e;
      }
    } catch (Throwable e) {
      LOG.error("ring buffer callback failed", e);
    }
    return 0;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    // The stub's arena only after the ring: libbpf must never call a freed stub.
    Closing.closeAll(() -> libbpf.freeRingBuffer(ring), arena);
  }
}
