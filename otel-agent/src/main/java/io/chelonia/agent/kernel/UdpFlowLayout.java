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
 * The Java mirrors of {@code struct udp_flow_key} and {@code struct udp_flow} in
 * bpf/include/chelonia.h. A test compares them member by member with the BTF clang emits.
 */
final class UdpFlowLayout {
  static final StructLayout KEY =
      MemoryLayout.structLayout(
          JAVA_LONG.withName("cookie"),
          MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("peer"),
          JAVA_SHORT.withName("peer_port"),
          JAVA_SHORT.withName("family"),
          JAVA_INT.withName("pad"));

  static final StructLayout LAYOUT =
      MemoryLayout.structLayout(
          KEY.withName("key"),
          JAVA_LONG.withName("cgroup_id"),
          JAVA_LONG.withName("bytes_sent"),
          JAVA_LONG.withName("bytes_received"),
          JAVA_LONG.withName("datagrams_sent"),
          JAVA_LONG.withName("datagrams_received"),
          JAVA_INT.withName("netns"),
          JAVA_INT.withName("pid"),
          MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("local"),
          MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("comm"),
          JAVA_SHORT.withName("local_port"),
          JAVA_BYTE.withName("role"),
          MemoryLayout.sequenceLayout(5, JAVA_BYTE).withName("pad"));

  private static final long COOKIE = KEY.byteOffset(groupElement("cookie"));
  private static final long PEER = KEY.byteOffset(groupElement("peer"));
  private static final long PEER_PORT = KEY.byteOffset(groupElement("peer_port"));
  private static final long FAMILY = KEY.byteOffset(groupElement("family"));
  private static final long CGROUP_ID = offset("cgroup_id");
  private static final long BYTES_SENT = offset("bytes_sent");
  private static final long BYTES_RECEIVED = offset("bytes_received");
  private static final long DATAGRAMS_SENT = offset("datagrams_sent");
  private static final long DATAGRAMS_RECEIVED = offset("datagrams_received");
  private static final long NETNS = offset("netns");
  private static final long PID = offset("pid");
  private static final long LOCAL = offset("local");
  private static final long COMM = offset("comm");
  private static final long LOCAL_PORT = offset("local_port");
  private static final long ROLE = offset("role");

  private UdpFlowLayout() {}

  /** One value of the udp_flows map, at {@code offset}; the key is its first member. */
  static UdpFlow decode(MemorySegment segment, long offset) {
    MemorySegment flow = segment.asSlice(offset, LAYOUT.byteSize());
    int family = Short.toUnsignedInt(flow.get(JAVA_SHORT, FAMILY));
    return new UdpFlow(
        flow.get(JAVA_LONG, COOKIE),
        Integer.toUnsignedLong(flow.get(JAVA_INT, NETNS)),
        flow.get(JAVA_LONG, CGROUP_ID),
        flow.get(JAVA_INT, PID),
        SocketRecordLayout.comm(flow, COMM),
        SocketRole.fromKernel(Byte.toUnsignedInt(flow.get(JAVA_BYTE, ROLE))),
        // A wildcard socket's bound address is all zeros in the socket's own family.
        SocketRecordLayout.address(flow, LOCAL, family),
        Short.toUnsignedInt(flow.get(JAVA_SHORT, LOCAL_PORT)),
        SocketRecordLayout.address(flow, PEER, family),
        Short.toUnsignedInt(flow.get(JAVA_SHORT, PEER_PORT)),
        family,
        flow.get(JAVA_LONG, BYTES_SENT),
        flow.get(JAVA_LONG, BYTES_RECEIVED),
        flow.get(JAVA_LONG, DATAGRAMS_SENT),
        flow.get(JAVA_LONG, DATAGRAMS_RECEIVED));
  }

  /** The map key of a flow, written into {@code key} (KEY-sized). */
  static void writeKey(UdpFlow flow, MemorySegment key) {
    key.fill((byte) 0);
    key.set(JAVA_LONG, COOKIE, flow.cookie());
    byte[] peer = flow.remoteAddress().getAddress();
    if (flow.family() == SocketRecordLayout.AF_INET6 && peer.length == 4) {
      // Java reads a v4-mapped IPv6 address as IPv4: the key holds it mapped.
      byte[] mapped = new byte[16];
      mapped[10] = (byte) 0xff;
      mapped[11] = (byte) 0xff;
      System.arraycopy(peer, 0, mapped, 12, 4);
      peer = mapped;
    }
    MemorySegment.copy(peer, 0, key, JAVA_BYTE, PEER, peer.length);
    key.set(JAVA_SHORT, PEER_PORT, (short) flow.remotePort());
    key.set(JAVA_SHORT, FAMILY, (short) flow.family());
  }

  private static long offset(String field) {
    return LAYOUT.byteOffset(groupElement(field));
  }
}
