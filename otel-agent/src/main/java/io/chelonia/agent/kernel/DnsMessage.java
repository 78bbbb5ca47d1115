package io.chelonia.agent.kernel;

import java.net.InetAddress;
import java.util.Objects;

/**
 * What a socket on this machine received from port 53: a UDP datagram (a DNS answer, or what claims
 * to be one: whoever reads it parses it and must expect anything), or the payload of one TCP
 * segment (DNS over TCP: a two-byte length, then the message, which may go on in later segments).
 *
 * @param netns network namespace inode of the receiving socket, 0 when the kernel did not say
 * @param cgroupId cgroup v2 id of the receiving socket's owner
 * @param client the receiver's address (the datagram's destination)
 * @param clientPort the receiver's port
 * @param resolver the answering server's address (the datagram's source)
 * @param overTcp a TCP segment's payload, not a UDP datagram
 * @param wireLength the datagram's payload length; more than {@code payload.length} when the kernel
 *     cut the copy at {@link #MAX_PAYLOAD} bytes
 * @param payload the DNS message, or its first {@link #MAX_PAYLOAD} bytes
 */
public record DnsMessage(
    long netns,
    long cgroupId,
    InetAddress client,
    int clientPort,
    InetAddress resolver,
    boolean overTcp,
    int wireLength,
    byte[] payload) {
  /** Bytes of each message the kernel copies (the EDNS size RFC 8914 advises). */
  public static final int MAX_PAYLOAD = KernelConstants.DNS_PAYLOAD_MAX;

  public DnsMessage {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(resolver, "resolver");
    Objects.requireNonNull(payload, "payload");
  }

  /** Whether the kernel copied less than the whole message. */
  public boolean cut() {
    return wireLength > payload.length;
  }
}
