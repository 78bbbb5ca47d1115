package io.chelonia.agent.kernel;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * The Java mirror of {@code struct dns_message} in bpf/include/chelonia.h. A test compares it
 * member by member with the BTF clang emits for the C struct.
 */
final class DnsMessageLayout {
  static final StructLayout LAYOUT =
      MemoryLayout.structLayout(
          JAVA_LONG.withName("cgroup_id"),
          JAVA_INT.withName("netns"),
          JAVA_INT.withName("length"),
          JAVA_INT.withName("wire_length"),
          JAVA_SHORT.withName("family"),
          JAVA_SHORT.withName("client_port"),
          MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("client"),
          MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("resolver"),
          JAVA_BYTE.withName("protocol"),
          MemoryLayout.sequenceLayout(KernelConstants.DNS_PAYLOAD_MAX, JAVA_BYTE)
              .withName("payload"),
          // The C struct's tail padding, to its 8-byte alignment.
          MemoryLayout.paddingLayout(7));

  private static final long CGROUP_ID = offset("cgroup_id");
  private static final long NETNS = offset("netns");
  private static final long LENGTH = offset("length");
  private static final long WIRE_LENGTH = offset("wire_length");
  private static final long FAMILY = offset("family");
  private static final long CLIENT_PORT = offset("client_port");
  private static final long CLIENT = offset("client");
  private static final long RESOLVER = offset("resolver");
  private static final long PROTOCOL = offset("protocol");
  private static final long PAYLOAD = offset("payload");
  private static final int IPPROTO_TCP = 6;

  private DnsMessageLayout() {}

  /** A record as the ring hands it over; a length the struct cannot hold is cut to what it can. */
  static DnsMessage decode(MemorySegment segment) {
    int family = Short.toUnsignedInt(segment.get(JAVA_SHORT, FAMILY));
    int length = Math.clamp(segment.get(JAVA_INT, LENGTH), 0, KernelConstants.DNS_PAYLOAD_MAX);
    byte[] payload = new byte[length];
    MemorySegment.copy(segment, JAVA_BYTE, PAYLOAD, payload, 0, length);
    return new DnsMessage(
        Integer.toUnsignedLong(segment.get(JAVA_INT, NETNS)),
        segment.get(JAVA_LONG, CGROUP_ID),
        SocketRecordLayout.address(segment, CLIENT, family),
        Short.toUnsignedInt(segment.get(JAVA_SHORT, CLIENT_PORT)),
        SocketRecordLayout.address(segment, RESOLVER, family),
        segment.get(JAVA_BYTE, PROTOCOL) == IPPROTO_TCP,
        segment.get(JAVA_INT, WIRE_LENGTH),
        payload);
  }

  private static long offset(String field) {
    return LAYOUT.byteOffset(groupElement(field));
  }
}
