package io.chelonia.agent.link;

import io.chelonia.agent.kernel.SocketSnapshot;
import io.chelonia.agent.tracing.SocketPoll;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * The client sockets of one harvest that the kernel saw connect, by four-tuple, so that a server
 * socket on this machine names its client by the process the kernel recorded at connect, as the
 * client's own side does, even when that process or its socket is gone before /proc could be read
 * (a connection shorter than a poll, between two namespaces of this machine). Built at the first
 * need in a poll, from the sockets not followed yet: both ends of a new connection are new in the
 * same harvest.
 */
final class LocalClients {
  private final Map<FourTuple, Connector> byFourTuple = new HashMap<>();
  private SocketPoll poll;
  private LongPredicate followed;
  private boolean indexed;

  /** Forgets the last harvest; {@code followed} tells the sockets counted already (by cookie). */
  void reset(SocketPoll poll, LongPredicate followed) {
    this.poll = poll;
    this.followed = followed;
    this.indexed = false;
    byFourTuple.clear();
  }

  /** The process that connected to this server socket, or null when the harvest does not say. */
  Connector clientOf(SocketSnapshot server) {
    if (!indexed) {
      index();
    }
    return byFourTuple.get(
        new FourTuple(
            server.remoteAddress(),
            server.remotePort(),
            server.localAddress(),
            server.localPort()));
  }

  private void index() {
    indexed = true;
    if (poll == null) {
      return;
    }
    for (List<SocketSnapshot> sockets : List.of(poll.live(), poll.closed())) {
      for (SocketSnapshot socket : sockets) {
        if (socket.pid() > 0 && !followed.test(socket.cookie())) {
          byFourTuple.put(
              new FourTuple(
                  socket.localAddress(),
                  socket.localPort(),
                  socket.remoteAddress(),
                  socket.remotePort()),
              new Connector(socket.pid(), socket.comm(), socket.cgroupId()));
        }
      }
    }
  }

  /** The process that connected: its tgid, command name and cgroup as the kernel recorded them. */
  record Connector(int pid, String comm, long cgroupId) {}

  private record FourTuple(
      InetAddress client, int clientPort, InetAddress server, int serverPort) {}
}
