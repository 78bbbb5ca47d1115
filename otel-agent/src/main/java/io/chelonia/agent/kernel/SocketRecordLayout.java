package io.chelonia.agent.kernel;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.net.InetAddress;

/**
 * The Java mirror of {@code struct socket_record} in bpf/include/chelonia.h. A test compares it
 * member by member with the BTF clang emits for the C struct.
 */
final class SocketRecordLayout {
  static final int AF_INET = 2;
  static final int AF_INET6 = 10;

  static final StructLayout LAYOUT =
      MemoryLayout.structLayout(
          JAVA_LONG.withName("cookie"),
          JAVA_LONG.withName("cgroup_id"),
          JAVA_LONG.withName("bytes_sent"),
          JAVA_LONG.withName("bytes_received"),
          JAVA_LONG.withName("base_sent"),
          JAVA_LONG.withName("base_received"),
          JAVA_LONG.withName("reported_sent"),
          JAVA_LONG.withName("reported_received"),
          JAVA_INT.withName("netns"),
          JAVA_INT.withName("pid"),
          JAVA_INT.withName("srtt_us"),
          JAVA_INT.withName("total_retrans"),
          JAVA_INT.withName("sk_err"),
          JAVA_INT.withName("sk_err_soft"),
          JAVA_INT.withName("flags"),
          JAVA_INT.withName("reported_retrans"),
          JAVA_INT.withName("reported_flags"),
          JAVA_INT.withName("reported_pass"),
          MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("saddr"),
          MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("daddr"),
          MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("comm"),
          JAVA_SHORT.withName("sport"),
          JAVA_SHORT.withName("dport"),
          JAVA_SHORT.withName("family"),
          JAVA_BYTE.withName("role"),
          JAVA_BYTE.withName("state"));

  private static final long COOKIE = offset("cookie");
  private static final long CGROUP_ID = offset("cgroup_id");
  private static final long BYTES_SENT = offset("bytes_sent");
  private static final long BYTES_RECEIVED = offset("bytes_received");
  private static final long NETNS = offset("netns");
  private static final long PID = offset("pid");
  private static final long SRTT = offset("srtt_us");
  private static final long RETRANS = offset("total_retrans");
  private static final long SK_ERR = offset("sk_err");
  private static final long SK_ERR_SOFT = offset("sk_err_soft");
  private static final long FLAGS = offset("flags");
  private static final long SADDR = offset("saddr");
  private static final long DADDR = offset("daddr");
  private static final long SPORT = offset("sport");
  private static final long DPORT = offset("dport");
  private static final long FAMILY = offset("family");
  private static final long ROLE = offset("role");
  private static final long STATE = offset("state");
  private static final long COMM = offset("comm");

  /** Every decoder's, on every thread: addresses and names are values, the same for all. */
  private static final AddressCache ADDRESSES = new AddressCache();

  private static final TaskNameCache TASK_NAMES = new TaskNameCache();

  private SocketRecordLayout() {}

  static long size() {
    return LAYOUT.byteSize();
  }

  static long cookie(MemorySegment segment, long base) {
    return segment.get(JAVA_LONG, base + COOKIE);
  }

  static SocketSnapshot decode(MemorySegment segment, long base) {
    int family = Short.toUnsignedInt(segment.get(JAVA_SHORT, base + FAMILY));
    return new SocketSnapshot(
        segment.get(JAVA_LONG, base + COOKIE),
        Integer.toUnsignedLong(segment.get(JAVA_INT, base + NETNS)),
        segment.get(JAVA_LONG, base + CGROUP_ID),
        segment.get(JAVA_INT, base + PID),
        comm(segment, base + COMM),
        SocketRole.fromKernel(segment.get(JAVA_BYTE, base + ROLE)),
        Byte.toUnsignedInt(segment.get(JAVA_BYTE, base + STATE)),
        segment.get(JAVA_INT, base + FLAGS),
        address(segment, base + SADDR, family),
        Short.toUnsignedInt(segment.get(JAVA_SHORT, base + SPORT)),
        address(segment, base + DADDR, family),
        Short.toUnsignedInt(segment.get(JAVA_SHORT, base + DPORT)),
        segment.get(JAVA_LONG, base + BYTES_SENT),
        segment.get(JAVA_LONG, base + BYTES_RECEIVED),
        segment.get(JAVA_INT, base + SRTT),
        Integer.toUnsignedLong(segment.get(JAVA_INT, base + RETRANS)),
        segment.get(JAVA_INT, base + SK_ERR),
        segment.get(JAVA_INT, base + SK_ERR_SOFT));
  }

  /**
   * IPv4 sockets carry 4 bytes; IPv6 sockets talking to IPv4 peers carry v4-mapped addresses, which
   * {@link InetAddress#getByAddress(byte[])} already turns into IPv4 addresses. Shared: see {@link
   * AddressCache}.
   */
  static InetAddress address(MemorySegment segment, long offset, int family) {
    return ADDRESSES.get(segment, offset, family);
  }

  /** A kernel {@code comm[16]} at {@code offset}: the task name, up to its first NUL. */
  static String comm(MemorySegment segment, long offset) {
    return TASK_NAMES.get(segment, offset);
  }

  private static long offset(String field) {
    return LAYOUT.byteOffset(groupElement(field));
  }
}
