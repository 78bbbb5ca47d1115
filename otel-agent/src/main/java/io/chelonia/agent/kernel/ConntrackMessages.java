package io.chelonia.agent.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * The ctnetlink messages of one lookup, written into and read from native buffers: an
 * IPCTNL_MSG_CT_GET request keyed by the original tuple, and the kernel's answer (the entry, whose
 * reply tuple says where the connection went, or an error). Layouts as in linux/netlink.h,
 * linux/netfilter/nfnetlink.h and nfnetlink_conntrack.h: headers in host order, addresses and ports
 * in network order.
 */
final class ConntrackMessages {
  static final int NETLINK_NETFILTER = 12;
  static final int AF_NETLINK = 16;
  static final int SOCK_RAW = 3;

  private static final int AF_INET = 2;
  private static final int AF_INET6 = 10;
  private static final int IPPROTO_TCP = 6;

  private static final int NLMSG_HEADER = 16;
  private static final int NFGEN_HEADER = 4;
  private static final int NLA_HEADER = 4;
  private static final short NLM_F_REQUEST = 1;
  private static final int NLMSG_ERROR = 2;
  private static final int NFNL_SUBSYS_CTNETLINK = 1;
  private static final int IPCTNL_MSG_CT_NEW = 0;
  private static final int IPCTNL_MSG_CT_GET = 1;
  private static final int NLA_F_NESTED = 0x8000;
  private static final int NLA_TYPE_MASK = 0x3fff;

  private static final int CTA_TUPLE_ORIG = 1;
  private static final int CTA_TUPLE_REPLY = 2;
  private static final int CTA_TUPLE_IP = 1;
  private static final int CTA_TUPLE_PROTO = 2;
  private static final int CTA_IP_V4_SRC = 1;
  private static final int CTA_IP_V4_DST = 2;
  private static final int CTA_IP_V6_SRC = 3;
  private static final int CTA_IP_V6_DST = 4;
  private static final int CTA_PROTO_NUM = 1;
  private static final int CTA_PROTO_SRC_PORT = 2;
  private static final int CTA_PROTO_DST_PORT = 3;

  /** Large enough for any answer to one GET: an entry is a few hundred bytes. */
  static final int RECEIVE_BUFFER = 8192;

  static final int REQUEST_BUFFER = 128;

  private static final ValueLayout.OfShort HOST_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
  private static final ValueLayout.OfInt HOST_INT =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
  private static final ValueLayout.OfShort NET_SHORT =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

  private ConntrackMessages() {}

  /** What the kernel said to one GET. */
  sealed interface Answer {}

  /** The entry was found: its reply direction. */
  record Found(ConnectionTuple reply) implements Answer {}

  /** No entry has this original tuple (ENOENT), or the answer held no reply tuple. */
  record Missing() implements Answer {}

  /** The kernel refused the request: errno. */
  record Failed(int errno) implements Answer {}

  /**
   * Writes the GET request for the entry whose original direction is {@code original}.
   *
   * @return the request's length in bytes
   */
  static int writeGet(MemorySegment buffer, ConnectionTuple original, int sequence) {
    buffer.fill((byte) 0);
    boolean ipv6 = original.source().getAddress().length == 16;
    int at = NLMSG_HEADER;
    buffer.set(ValueLayout.JAVA_BYTE, at, (byte) (ipv6 ? AF_INET6 : AF_INET));
    // version NFNETLINK_V0 and res_id 0: already zero.
    at += NFGEN_HEADER;
    int tuple = at;
    at += NLA_HEADER;
    int ip = at;
    at += NLA_HEADER;
    at = address(buffer, at, ipv6 ? CTA_IP_V6_SRC : CTA_IP_V4_SRC, original.source());
    at = address(buffer, at, ipv6 ? CTA_IP_V6_DST : CTA_IP_V4_DST, original.destination());
    header(buffer, ip, at - ip, CTA_TUPLE_IP | NLA_F_NESTED);
    int proto = at;
    at += NLA_HEADER;
    header(buffer, at, NLA_HEADER + 1, CTA_PROTO_NUM);
    buffer.set(ValueLayout.JAVA_BYTE, at + NLA_HEADER, (byte) IPPROTO_TCP);
    at += align(NLA_HEADER + 1);
    at = port(buffer, at, CTA_PROTO_SRC_PORT, original.sourcePort());
    at = port(buffer, at, CTA_PROTO_DST_PORT, original.destinationPort());
    header(buffer, proto, at - proto, CTA_TUPLE_PROTO | NLA_F_NESTED);
    header(buffer, tuple, at - tuple, CTA_TUPLE_ORIG | NLA_F_NESTED);
    buffer.set(HOST_INT, 0, at);
    buffer.set(HOST_SHORT, 4, (short) (NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_GET));
    buffer.set(HOST_SHORT, 6, NLM_F_REQUEST);
    buffer.set(HOST_INT, 8, sequence);
    return at;
  }

  /** Reads the first message of an answer of {@code length} bytes. */
  static Answer read(MemorySegment buffer, long length) {
    if (length < NLMSG_HEADER) {
      return new Failed(Errno.EINVAL);
    }
    int messageLength = Math.min((int) length, buffer.get(HOST_INT, 0));
    int type = Short.toUnsignedInt(buffer.get(HOST_SHORT, 4));
    if (type == NLMSG_ERROR) {
      int error = -buffer.get(HOST_INT, NLMSG_HEADER);
      return error == Errno.ENOENT ? new Missing() : new Failed(error);
    }
    if (type != (NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_NEW)) {
      return new Failed(Errno.EINVAL);
    }
    int reply = find(buffer, NLMSG_HEADER + NFGEN_HEADER, messageLength, CTA_TUPLE_REPLY);
    if (reply < 0) {
      return new Missing();
    }
    int replyEnd = reply + length(buffer, reply);
    int ip = find(buffer, reply + NLA_HEADER, replyEnd, CTA_TUPLE_IP);
    int proto = find(buffer, reply + NLA_HEADER, replyEnd, CTA_TUPLE_PROTO);
    if (ip < 0 || proto < 0) {
      return new Missing();
    }
    int ipEnd = ip + length(buffer, ip);
    int protoEnd = proto + length(buffer, proto);
    Optional<InetAddress> source = address(buffer, ip, ipEnd, CTA_IP_V4_SRC, CTA_IP_V6_SRC);
    Optional<InetAddress> destination = address(buffer, ip, ipEnd, CTA_IP_V4_DST, CTA_IP_V6_DST);
    int sourcePort = find(buffer, proto + NLA_HEADER, protoEnd, CTA_PROTO_SRC_PORT);
    int destinationPort = find(buffer, proto + NLA_HEADER, protoEnd, CTA_PROTO_DST_PORT);
    if (source.isEmpty() || destination.isEmpty() || sourcePort < 0 || destinationPort < 0) {
      return new Missing();
    }
    return new Found(
        new ConnectionTuple(
            source.get(),
            Short.toUnsignedInt(buffer.get(NET_SHORT, sourcePort + NLA_HEADER)),
            destination.get(),
            Short.toUnsignedInt(buffer.get(NET_SHORT, destinationPort + NLA_HEADER))));
  }

  private static Optional<InetAddress> address(
      MemorySegment buffer, int nest, int end, int v4Type, int v6Type) {
    int at = find(buffer, nest + NLA_HEADER, end, v4Type);
    if (at < 0) {
      at = find(buffer, nest + NLA_HEADER, end, v6Type);
    }
    if (at < 0) {
      return Optional.empty();
    }
    byte[] bytes =
        buffer
            .asSlice(at + NLA_HEADER, length(buffer, at) - NLA_HEADER)
            .toArray(ValueLayout.JAVA_BYTE);
    try {
      return Optional.of(InetAddress.getByAddress(bytes));
    } catch (UnknownHostException e) {
      return Optional.empty(); // neither 4 nor 16 bytes: not an address
    }
  }

  /** The offset of the first attribute of {@code type} in {@code [from, end)}, or -1. */
  private static int find(MemorySegment buffer, int from, int end, int type) {
    int at = from;
    while (at + NLA_HEADER <= end) {
      int length = length(buffer, at);
      if (length < NLA_HEADER || at + length > end) {
        return -1;
      }
      if ((Short.toUnsignedInt(buffer.get(HOST_SHORT, at + 2)) & NLA_TYPE_MASK) == type) {
        return at;
      }
      at += align(length);
    }
    return -1;
  }

  private static int length(MemorySegment buffer, int attribute) {
    return Short.toUnsignedInt(buffer.get(HOST_SHORT, attribute));
  }

  private static int address(MemorySegment buffer, int at, int type, InetAddress address) {
    byte[] bytes = address.getAddress();
    header(buffer, at, NLA_HEADER + bytes.length, type);
    MemorySegment.copy(bytes, 0, buffer, ValueLayout.JAVA_BYTE, at + NLA_HEADER, bytes.length);
    return at + align(NLA_HEADER + bytes.length);
  }

  private static int port(MemorySegment buffer, int at, int type, int port) {
    header(buffer, at, NLA_HEADER + 2, type);
    buffer.set(NET_SHORT, at + NLA_HEADER, (short) port);
    return at + align(NLA_HEADER + 2);
  }

  private static void header(MemorySegment buffer, int at, int length, int type) {
    buffer.set(HOST_SHORT, at, (short) length);
    buffer.set(HOST_SHORT, at + 2, (short) type);
  }

  private static int align(int length) {
    return (length + 3) & ~3;
  }
}
