package io.chelonia.agent.identity;

import java.net.InetAddress;
import java.util.Objects;

/**
 * What is known of one end of a socket when it is first seen, for a resolver to name it.
 *
 * @param address the end's IP address
 * @param local true for the end on this node (the socket's own side)
 * @param pid the process at this end as this machine's kernel recorded it: the process that
 *     connected (a client's end), or the one the harvest met holding the socket or its listener (a
 *     server's end, an older socket's); for the other end, when its socket is on this machine too
 *     and in the same harvest; 0 when not known
 * @param comm that process's command name, empty when not known
 * @param cgroupId cgroup v2 id of the socket's owner (or of that connecting process), 0 when not
 *     known
 * @param netns network namespace inode of the socket
 * @param port the end's port
 * @param server true for the server's end (the one that listened), false for the client's
 * @param peerAddress the other end's address: with {@code address}, {@code port} and {@code
 *     peerPort} the connection's four-tuple, which alone tells apart connections that share a local
 *     port (Linux reuses one towards different destinations)
 * @param peerPort the other end's port
 */
public record EndpointQuery(
    InetAddress address,
    boolean local,
    int pid,
    String comm,
    long cgroupId,
    long netns,
    int port,
    boolean server,
    InetAddress peerAddress,
    int peerPort) {

  public EndpointQuery {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(comm, "comm");
    Objects.requireNonNull(peerAddress, "peerAddress");
  }
}
