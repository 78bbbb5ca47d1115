package io.chelonia.agent.kernel;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * The Java mirror of {@code struct socket_owner} in bpf/include/chelonia.h. A test compares it
 * member by member with the BTF clang emits for the C struct.
 */
final class SocketOwnerLayout {
  private static final int TCP_LISTEN = 10;

  static final StructLayout LAYOUT =
      MemoryLayout.structLayout(
          JAVA_INT.withName("netns"),
          JAVA_INT.withName("pid"),
          JAVA_SHORT.withName("family"),
          JAVA_SHORT.withName("sport"),
          JAVA_SHORT.withName("dport"),
          JAVA_BYTE.withName("state"),
          JAVA_BYTE.withName("pad"),
          MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("saddr"),
          MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("daddr"));

  private static final long NETNS = offset("netns");
  private static final long PID = offset("pid");
  private static final long FAMILY = offset("family");
  private static final long SPORT = offset("sport");
  private static final long DPORT = offset("dport");
  private static final long STATE = offset("state");
  private static final long SADDR = offset("saddr");
  private static final long DADDR = offset("daddr");

  private SocketOwnerLayout() {}

  static long size() {
    return LAYOUT.byteSize();
  }

  /** The record's network namespace, read alone: records of other namespaces are not decoded. */
  static long netns(MemorySegment segment, long base) {
    return Integer.toUnsignedLong(segment.get(JAVA_INT, base + NETNS));
  }

  static OwnedSocket decode(MemorySegment segment, long base) {
    int family = Short.toUnsignedInt(segment.get(JAVA_SHORT, base + FAMILY));
    return new OwnedSocket(
        Integer.toUnsignedLong(segment.get(JAVA_INT, base + NETNS)),
        segment.get(JAVA_INT, base + PID),
        Byte.toUnsignedInt(segment.get(JAVA_BYTE, base + STATE)) == TCP_LISTEN,
        SocketRecordLayout.address(segment, base + SADDR, family),
        Short.toUnsignedInt(segment.get(JAVA_SHORT, base + SPORT)),
        SocketRecordLayout.address(segment, base + DADDR, family),
        Short.toUnsignedInt(segment.get(JAVA_SHORT, base + DPORT)));
  }

  private static long offset(String field) {
    return LAYOUT.byteOffset(groupElement(field));
  }
}
