package io.chelonia.agent.kernel;

import java.net.InetAddress;
import java.util.Objects;

/**
 * One UDP socket's traffic with one peer, as the kernel programs counted it since the flow's entry
 * was created (its first datagram, or the first after the agent forgot an idle entry). Counted per
 * sendmsg or recvmsg call that moved a datagram.
 *
 * @param cookie the socket's cookie
 * @param netns inode number of the socket's network namespace
 * @param cgroupId cgroup v2 id of the socket's owner
 * @param pid tgid of the task that moved the flow's first datagram
 * @param comm that task's process name
 * @param role {@link SocketRole#CLIENT} when the flow's first datagram was sent by this socket,
 *     {@link SocketRole#SERVER} when it was received: who sends first dialled
 * @param localAddress the socket's bound address: the wildcard address for a socket bound to none
 * @param family AF_INET or AF_INET6: the peer address's family as the datagram carried it
 */
public record UdpFlow(
    long cookie,
    long netns,
    long cgroupId,
    int pid,
    String comm,
    SocketRole role,
    InetAddress localAddress,
    int localPort,
    InetAddress remoteAddress,
    int remotePort,
    int family,
    long bytesSent,
    long bytesReceived,
    long datagramsSent,
    long datagramsReceived) {

  public UdpFlow {
    Objects.requireNonNull(comm, "comm");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(localAddress, "localAddress");
    Objects.requireNonNull(remoteAddress, "remoteAddress");
  }

  /** What names the flow across polls: the socket and its peer. */
  public Id id() {
    return new Id(cookie, remoteAddress, remotePort);
  }

  /** Every datagram and byte counted, both ways: a flow whose total did not move was idle. */
  public long activity() {
    return bytesSent + bytesReceived + datagramsSent + datagramsReceived;
  }

  /** A flow's identity: one socket, one peer. */
  public record Id(long cookie, InetAddress peer, int peerPort) {}
}
