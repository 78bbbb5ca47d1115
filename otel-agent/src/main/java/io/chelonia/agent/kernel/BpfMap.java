package io.chelonia.agent.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.ObjLongConsumer;

/** A map of a loaded {@link BpfObject}; its descriptor belongs to the object. */
final class BpfMap {
  private final Libbpf libbpf;
  private final String name;
  private final Fd fd;

  BpfMap(Libbpf libbpf, String name, Fd fd) {
    this.libbpf = libbpf;
    this.name = name;
    this.fd = fd;
  }

  Fd fd() {
    return fd;
  }

  String name() {
    return name;
  }

  /**
   * Reads every entry of a hash map with batch lookups, into buffers the caller reuses across
   * harvests. The visitor receives the values buffer and the offset of one value; it must copy what
   * it keeps, the buffer is overwritten by the next batch.
   */
  void forEachValue(BatchBuffers buffers, ObjLongConsumer<MemorySegment> visitor) {
    MemorySegment inBatch = MemorySegment.NULL;
    while (true) {
      buffers.count.set(JAVA_INT, 0, buffers.capacity);
      // The last batch may still carry entries.
      boolean more =
          libbpf.lookupBatch(
              fd, name, inBatch, buffers.cursor, buffers.keys, buffers.values, buffers.count);
      int found = buffers.count.get(JAVA_INT, 0);
      for (int i = 0; i < found; i++) {
        visitor.accept(buffers.values, (long) i * buffers.valueSize);
      }
      if (!more) {
        return;
      }
      inBatch = buffers.cursor;
    }
  }

  /** Deletes one entry; a missing entry is not an error (the kernel may have removed it). */
  void delete(long key) {
    try (Arena call = Arena.ofConfined()) {
      MemorySegment keySegment = call.allocate(JAVA_LONG);
      keySegment.set(JAVA_LONG, 0, key);
      libbpf.delete(fd, name, keySegment);
    }
  }

  /** Takes one entry out, its value read as it goes into {@code value}; false if there was none. */
  boolean takeOut(MemorySegment key, MemorySegment value) {
    return libbpf.lookupAndDelete(fd, name, key, value);
  }

  /** Writes one value of an array map whose key is a u32 index. */
  void update(int index, MemorySegment value) {
    try (Arena call = Arena.ofConfined()) {
      MemorySegment key = call.allocate(JAVA_INT);
      key.set(JAVA_INT, 0, index);
      libbpf.update(fd, name, key, value);
    }
  }

  /** The sum over CPUs of one u64 slot of a per-CPU array. */
  long sumPerCpu(int index, int possibleCpus) {
    try (Arena call = Arena.ofConfined()) {
      MemorySegment key = call.allocate(JAVA_INT);
      key.set(JAVA_INT, 0, index);
      MemorySegment values = call.allocate(JAVA_LONG, possibleCpus);
      libbpf.lookup(fd, name, key, values);
      long sum = 0;
      for (int cpu = 0; cpu < possibleCpus; cpu++) {
        sum += values.getAtIndex(JAVA_LONG, cpu);
      }
      return sum;
    }
  }

  /** Reusable native buffers for {@link #forEachValue}: allocated once, freed with the arena. */
  static final class BatchBuffers {
    final int capacity;
    final long valueSize;
    final MemorySegment keys;
    final MemorySegment values;
    final MemorySegment count;
    // The kernel's batch cursor for hash maps is a u32 bucket index; 8 bytes covers any key.
    final MemorySegment cursor;

    BatchBuffers(Arena arena, int capacity, long keySize, long valueSize) {
      this.capacity = capacity;
      this.valueSize = valueSize;
      this.keys = arena.allocate(keySize * capacity, 8);
      this.values = arena.allocate(valueSize * capacity, 8);
      this.count = arena.allocate(JAVA_INT);
      this.cursor = arena.allocate(Math.max(8, keySize), 8);
    }
  }
}
