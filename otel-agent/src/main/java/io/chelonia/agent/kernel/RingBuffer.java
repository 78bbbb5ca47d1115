package io.chelonia.agent.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

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
      MethodHandle onSample =
          MethodHandles.lookup()
              .bind(this, "onSample",
                  MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class, long.class));
      MemorySegment stub =
          Linker.nativeLinker()
              .upcallStub(onSample, FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG), arena);
      MemorySegment state = Libbpf.callState(arena);
      MemorySegment created =
          (MemorySegment) libbpf.ringBufferNew.invokeExact(
              state, map.fd(), stub, MemorySegment.NULL, MemorySegment.NULL);
      if (created.equals(MemorySegment.NULL)) {
        int errno = Libbpf.errno(state);
        throw new KernelException(
            "cannot open ring buffer " + map.name() + ": " + Errno.describe(errno), errno);
      }
      this.ring = created;
    } catch (RuntimeException | Error e) {
      arena.close();
      throw e;
    } catch (Throwable e) {
      arena.close();
      throw new IllegalStateException(e);
    }
  }

  /** Hands every record waiting in the ring to the sink; returns how many there were. */
  int consume() {
    int consumed;
    try {
      consumed = (int) libbpf.ringBufferConsume.invokeExact(ring);
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
    if (callbackFailure != null) {
      RuntimeException failure = callbackFailure;
      callbackFailure = null;
      throw failure;
    }
    if (consumed < 0) {
      throw new KernelException("ring buffer read failed: " + Errno.describe(consumed), -consumed);
    }
    return consumed;
  }

  /** Upcall from ring_buffer__consume. Nothing may escape it: a throw here would end the JVM. */
  @SuppressWarnings("unused")
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
    try {
      libbpf.ringBufferFree.invokeExact(ring);
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    } finally {
      arena.close();
    }
  }
}
