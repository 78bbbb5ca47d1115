package io.chelonia.agent.kernel;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * Hands out one {@link String} per task name ({@code comm[16]}) read from kernel records: a node
 * runs few distinct commands, and a new string per record was garbage at every harvest.
 * Direct-mapped like {@link AddressCache}, for the same reasons.
 */
final class TaskNameCache {
  /** Slots: a power of two. */
  static final int SLOTS = 1024;

  static final int LENGTH = 16;

  private final Entry[] slots = new Entry[SLOTS];

  /** The 16 bytes of a name, NULs and what follows them included, and the name. */
  private record Entry(long first, long second, String name) {}

  /** The task name at {@code offset}: up to its first NUL. */
  String get(MemorySegment segment, long offset) {
    long first = segment.get(JAVA_LONG_UNALIGNED, offset);
    long second = segment.get(JAVA_LONG_UNALIGNED, offset + Long.BYTES);
    int slot = slot(first, second);
    Entry entry = slots[slot];
    if (entry != null && entry.first == first && entry.second == second) {
      return entry.name;
    }
    byte[] bytes = new byte[LENGTH];
    MemorySegment.copy(segment, JAVA_BYTE, offset, bytes, 0, LENGTH);
    int end = 0;
    while (end < LENGTH && bytes[end] != 0) {
      end++;
    }
    String name = new String(bytes, 0, end, StandardCharsets.UTF_8);
    slots[slot] = new Entry(first, second, name);
    return name;
  }

  private static int slot(long first, long second) {
    long h = (first * 0x9E3779B97F4A7C15L ^ second) * 0xC2B2AE3D27D4EB4FL;
    return (int) (h >>> (Long.SIZE - Integer.numberOfTrailingZeros(SLOTS)));
  }
}
