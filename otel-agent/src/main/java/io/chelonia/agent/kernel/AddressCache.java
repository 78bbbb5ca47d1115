package io.chelonia.agent.kernel;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * Hands out one {@link InetAddress} per address read from kernel records. A node's sockets share
 * few addresses, yet a new object per address per record was most of what a complete harvest
 * allocated, and, kept by the link table's sockets and the socket owners, a good part of the live
 * heap. Direct-mapped: a fixed number of slots, a miss replaces its slot, so memory stays bounded
 * whatever the number of peers. A slot holds an immutable entry: two threads decoding at once at
 * worst both miss.
 *
 * <p>The addresses handed out are shared: nobody may ask them for a host name ({@link
 * InetAddress#getHostName()} stores the answer in the object). Reverse lookups copy the address
 * first.
 */
final class AddressCache {
  /** Slots: a power of two. */
  static final int SLOTS = 4096;

  private static final ValueLayout.OfLong LONG_BE =
      JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
  private static final ValueLayout.OfInt INT_BE =
      JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

  /** The upper half of the low word of an IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
  private static final long V4_MAPPED = 0xFFFFL << 32;

  private final Entry[] slots = new Entry[SLOTS];

  /** An address as its 16 bytes of IPv6 (IPv4 as IPv4-mapped), big-endian, and its object. */
  private record Entry(long high, long low, InetAddress address) {}

  /**
   * The address at {@code offset}: 4 bytes for {@code AF_INET}, else 16 (an IPv4-mapped one is an
   * IPv4 address, as {@link InetAddress#getByAddress(byte[])} gives it, and the same object as the
   * IPv4 form).
   */
  InetAddress get(MemorySegment segment, long offset, int family) {
    boolean v6 = family == SocketRecordLayout.AF_INET6;
    long high;
    long low;
    if (v6) {
      high = segment.get(LONG_BE, offset);
      low = segment.get(LONG_BE, offset + Long.BYTES);
    } else {
      high = 0;
      low = V4_MAPPED | Integer.toUnsignedLong(segment.get(INT_BE, offset));
    }
    int slot = slot(high, low);
    Entry entry = slots[slot];
    if (entry != null && entry.high == high && entry.low == low) {
      return entry.address;
    }
    int length = v6 ? 16 : 4;
    byte[] bytes = new byte[length];
    MemorySegment.copy(segment, JAVA_BYTE, offset, bytes, 0, length);
    InetAddress address;
    try {
      address = InetAddress.getByAddress(bytes);
    } catch (UnknownHostException impossible) {
      throw new IllegalStateException(impossible);
    }
    slots[slot] = new Entry(high, low, address);
    return address;
  }

  private static int slot(long high, long low) {
    long h = (high * 0x9E3779B97F4A7C15L ^ low) * 0xC2B2AE3D27D4EB4FL;
    return (int) (h >>> (Long.SIZE - Integer.numberOfTrailingZeros(SLOTS)));
  }
}
