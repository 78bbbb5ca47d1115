package io.chelonia.agent.kernel;

import java.net.InetAddress;

/**
 * One TCP socket as the kernel programs last recorded it. Byte counters are payload bytes since the
 * agent began counting this socket (at ESTABLISHED, or when it found an older socket).
 *
 * @param cookie the kernel's socket cookie: unique for one life of one socket
 * @param netns inode number of the socket's network namespace
 * @param cgroupId cgroup v2 id of the process that created the socket (server: the listener's)
 * @param pid tgid of the task that connected; for a socket no task connected (a server's, one older
 *     than the agent), of the process the process harvest met holding it, or, for a server socket
 *     closed before that, holding its listener; 0 when not known
 * @param comm that process's command name, empty when not known
 * @param state TCP state at the last update (include/net/tcp_states.h numbering)
 * @param flags how the socket was seen, see the {@code is...} methods
 * @param bytesSent payload bytes the peer acknowledged
 * @param bytesReceived payload bytes received in order from the peer
 * @param smoothedRttMicros the kernel's smoothed RTT, 0 before the first sample
 * @param error sk_err at close (an errno such as ECONNREFUSED), 0 if none
 * @param softError sk_err_soft: the last soft error (ICMP) seen, 0 if none
 */
public record SocketSnapshot(
    long cookie,
    long netns,
    long cgroupId,
    int pid,
    String comm,
    SocketRole role,
    int state,
    int flags,
    InetAddress localAddress,
    int localPort,
    InetAddress remoteAddress,
    int remotePort,
    long bytesSent,
    long bytesReceived,
    int smoothedRttMicros,
    long retransmits,
    int error,
    int softError) {

  /** The probes saw the socket being born (SYN_SENT or SYN_RECV): its role is certain. */
  public boolean bornSeen() {
    return (flags & KernelConstants.FLAG_BORN_SEEN) != 0;
  }

  /** The connection reached ESTABLISHED (for an older socket: it was established when found). */
  public boolean established() {
    return (flags & KernelConstants.FLAG_ESTABLISHED) != 0;
  }

  /** Found by the harvest: the socket is older than the agent's probes. */
  public boolean discovered() {
    return (flags & KernelConstants.FLAG_DISCOVERED) != 0;
  }

  /** This is the socket's final record: it closed. */
  public boolean closed() {
    return (flags & KernelConstants.FLAG_CLOSED) != 0;
  }
}
