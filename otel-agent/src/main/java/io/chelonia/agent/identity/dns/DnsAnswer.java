package io.chelonia.agent.identity.dns;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * What one DNS answer says about the name a client asked for.
 *
 * @param id the message id
 * @param rcode the response code: 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN...
 * @param question the name asked for, lower case, without the final dot
 * @param questionType 1 for A, 28 for AAAA...
 * @param addresses the addresses the name leads to, through the answer's CNAME chain
 */
public record DnsAnswer(
    int id, int rcode, String question, int questionType, List<Address> addresses) {
  public static final int NOERROR = 0;
  public static final int SERVFAIL = 2;
  public static final int NXDOMAIN = 3;

  public DnsAnswer {
    Objects.requireNonNull(question, "question");
    addresses = List.copyOf(addresses);
  }

  /**
   * @param ttlSeconds how long the answer may be kept: the least TTL of the address record and the
   *     CNAME records that led to it
   */
  public record Address(InetAddress address, long ttlSeconds) {
    public Address {
      Objects.requireNonNull(address, "address");
    }
  }
}
