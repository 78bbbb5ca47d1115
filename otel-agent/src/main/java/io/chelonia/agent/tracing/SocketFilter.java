package io.chelonia.agent.tracing;

import io.chelonia.agent.kernel.SocketRole;
import io.chelonia.agent.kernel.SocketSnapshot;
import io.chelonia.agent.kernel.UdpFlow;
import java.util.Set;

/**
 * Which sockets stay out of the map: loopback conversations (a process talking to itself over
 * 127.0.0.1 or ::1 says nothing about the network) and the agent's own connections (its exports and
 * the scrapes of its endpoint), unless asked to keep them.
 *
 * @param includeLoopback keep sockets whose peer is a loopback address
 * @param includeSelf keep the agent's own sockets
 * @param selfPid the agent's process id
 * @param selfNetns the agent's network namespace inode
 * @param selfPorts ports the agent listens on in its own namespace
 */
public record SocketFilter(
    boolean includeLoopback,
    boolean includeSelf,
    long selfPid,
    long selfNetns,
    Set<Integer> selfPorts) {

  public SocketFilter {
    selfPorts = Set.copyOf(selfPorts);
  }

  public boolean keeps(SocketSnapshot socket) {
    if (!includeLoopback && socket.remoteAddress().isLoopbackAddress()) {
      return false;
    }
    return includeSelf || !isSelf(socket);
  }

  /** The same rules for a UDP flow: its peer, and the process that moved its first datagram. */
  public boolean keeps(UdpFlow flow) {
    if (!includeLoopback && flow.remoteAddress().isLoopbackAddress()) {
      return false;
    }
    return includeSelf || flow.pid() == 0 || flow.pid() != selfPid;
  }

  private boolean isSelf(SocketSnapshot socket) {
    if (socket.pid() != 0 && socket.pid() == selfPid) {
      return true;
    }
    return socket.role() == SocketRole.SERVER
        && socket.netns() == selfNetns
        && selfPorts.contains(socket.localPort());
  }
}
