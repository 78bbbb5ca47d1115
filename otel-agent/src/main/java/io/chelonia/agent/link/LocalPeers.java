package io.chelonia.agent.link;

import io.chelonia.agent.kernel.SocketRole;
import io.chelonia.agent.kernel.SocketSnapshot;
import io.chelonia.agent.tracing.SocketPoll;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * The sockets of one harvest whose process the kernel recorded, by four-tuple, so that a connection
 * with both ends on this machine names each end by the other's socket: a server socket its client
 * by the process the kernel saw connect (as the client's own side does, even when that process or
 * its socket is gone before /proc could be read: a connection shorter than a poll, between two
 * namespaces), and a client socket its server by the process holding the accepted socket, or its
 * listener, as the harvest met it (no owners pass needed). Built at each poll, before it is folded,
 * from the sockets not followed yet, this harvest's and the last one's: both ends of a new
 * connection are new in the same harvest, or, closing on either side of a poll, in two harvests in
 * a row.
 */
final class LocalPeers {
  private Map<FourTuple, Peer> byFourTuple = new HashMap<>();
  private Map<FourTuple, Peer> previous = new HashMap<>();

  /**
   * Indexes this harvest's new sockets, keeping the last harvest's: the two ends of a short
   * connection may close on either side of a poll (the client's close record in one, the server's
   * in the next), and an end missing from both would cost an owners pass per connection. {@code
   * followed} tells the sockets counted already (by cookie), called before they are folded.
   */
  void reset(SocketPoll poll, LongPredicate followed) {
    Map<FourTuple, Peer> reused = previous;
    reused.clear();
    previous = byFourTuple;
    byFourTuple = reused;
    for (List<SocketSnapshot> sockets : List.of(poll.live(), poll.closed())) {
      for (SocketSnapshot socket : sockets) {
        if (socket.pid() > 0
            && socket.role() != SocketRole.UNKNOWN
            && !followed.test(socket.cookie())) {
          byFourTuple.put(
              new FourTuple(
                  socket.localAddress(),
                  socket.localPort(),
                  socket.remoteAddress(),
                  socket.remotePort()),
              new Peer(socket.role(), socket.pid(), socket.comm(), socket.cgroupId()));
        }
      }
    }
  }

  /**
   * The process at the other end of this socket's connection, when that end is a socket of this
   * harvest with the other role; null when the harvest does not say.
   */
  Peer peerOf(SocketSnapshot socket) {
    FourTuple reversed =
        new FourTuple(
            socket.remoteAddress(), socket.remotePort(), socket.localAddress(), socket.localPort());
    Peer peer = byFourTuple.get(reversed);
    if (peer == null || peer.role() == socket.role()) {
      peer = previous.get(reversed);
    }
    return peer != null && peer.role() != socket.role() ? peer : null;
  }

  /**
   * The process at one end: its tgid, command name and cgroup as the kernel recorded them (at
   * connect for a client; for a server, its listener's or the holder the harvest met).
   */
  record Peer(SocketRole role, int pid, String comm, long cgroupId) {}

  private record FourTuple(InetAddress local, int localPort, InetAddress remote, int remotePort) {}
}
