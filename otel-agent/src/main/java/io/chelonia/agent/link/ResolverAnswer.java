package io.chelonia.agent.link;

import io.chelonia.agent.kernel.DnsMessage;
import java.net.InetAddress;
import java.util.Map;
import java.util.Optional;

/**
 * A DNS answer a client socket on this node received over UDP, reduced to what counts it on the
 * client's link to its resolver: the socket (its namespace and port), the resolver, and the
 * response code from the message's header. Only the header is read: the answer need not be one
 * whose records the name parser can use.
 *
 * @param netns the receiving socket's network namespace inode
 * @param clientPort the receiving socket's port
 * @param resolver the address the answer came from (port 53)
 * @param rcode the header's response code (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN...)
 */
public record ResolverAnswer(long netns, int clientPort, InetAddress resolver, int rcode) {
  private static final int HEADER = 12;
  private static final int FLAGS_HIGH = 2;
  private static final int FLAGS_LOW = 3;
  private static final int QR = 0x80;
  private static final int RCODE = 0x0f;
  private static final Map<Integer, String> RCODE_NAMES =
      Map.of(0, "NOERROR", 1, "FORMERR", 2, "SERVFAIL", 3, "NXDOMAIN", 4, "NOTIMP", 5, "REFUSED");

  /** A response code as DNS people write it: NOERROR, NXDOMAIN..., else its number. */
  public static String rcodeName(int rcode) {
    return RCODE_NAMES.getOrDefault(rcode, Integer.toString(rcode));
  }

  /**
   * The answer in a message, if it is a UDP datagram with a whole DNS header that says "response";
   * empty for anything else (DNS over TCP is counted on TCP links by their bytes only).
   */
  public static Optional<ResolverAnswer> of(DnsMessage message) {
    byte[] payload = message.payload();
    if (message.overTcp() || payload.length < HEADER || (payload[FLAGS_HIGH] & QR) == 0) {
      return Optional.empty();
    }
    return Optional.of(
        new ResolverAnswer(
            message.netns(), message.clientPort(), message.resolver(), payload[FLAGS_LOW] & RCODE));
  }
}
