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
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A libbpf ring buffer read by {@link #drain()} on the caller's thread (no epoll thread: the agent
 * drains it once per poll). The upcall only decodes each record into a Java value (a copy): whoever
 * uses the values does so after {@code ring_buffer__consume} has returned, so no parser, table or
 * lock of theirs ever runs inside a native upcall, where a throw would end the JVM. The upcall stub
 * lives in this object's arena, which is closed only after {@code ring_buffer__free}, so libbpf
 * never calls into a freed stub.
 *
 * @param <T> what one record decodes to
 */
final class RingBuffer<T> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RingBuffer.class);

  private final Libbpf libbpf;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment ring;
  private final Function<MemorySegment, T> decoder;
  private final List<T> decoded = new ArrayList<>();
  private RuntimeException callbackFailure;
  private boolean closed;

  /**
   * The decoder sees each record as a segment valid only during the call: it must copy what it
   * keeps, and do nothing else.
   */
  RingBuffer(BpfMap map, Function<MemorySegment, T> decoder) {
    this.libbpf = Libbpf.get();
    this.decoder = decoder;
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

  /** Every record waiting in the ring, decoded, in the order the kernel wrote them. */
  List<T> drain() {
    try {
      libbpf.consumeRingBuffer(ring);
      RuntimeException failure = callbackFailure;
      if (failure != null) {
        throw failure;
      }
      return List.copyOf(decoded);
    } finally {
      callbackFailure = null;
      decoded.clear();
    }
  }

  /** Upcall from ring_buffer__consume. Nothing may escape it: a throw here would end the JVM. */
  @SuppressWarnings({"unused", "restricted"}) // Called from native code; the size is libbpf's.
  private int onSample(MemorySegment context, MemorySegment data, long size) {
    try {
      decoded.add(decoder.apply(data.reinterpret(size)));
    } catch (RuntimeException e) {
      // Kept and rethrown by drain(), on the Java side of the call.
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
