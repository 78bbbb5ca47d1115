package io.chelonia.agent.link;

import io.chelonia.agent.kernel.SocketRole;
import io.chelonia.agent.kernel.SocketSnapshot;
import io.chelonia.agent.tracing.SocketPoll;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where the server sockets of one harvest answer (their local address and port), so that a socket
 * of unknown role whose peer is one of them is known to be its client. The ephemeral port range
 * cannot tell: it is set per network namespace (a pod's may be wider than the node's), and the
 * agent reads only its own; a client socket on a port below the node's range was taken for the
 * server of its own port, one link per connection. A loopback address answers only in its own
 * namespace, so it is told apart by namespace. Built at the first need in a poll: only sockets the
 * kernel could not give a role ask.
 */
final class LocalServers {
  private final Set<Place> places = new HashSet<>();
  private SocketPoll poll;
  private boolean indexed;

  /** Forgets the last harvest. */
  void reset(SocketPoll poll) {
    this.poll = poll;
    this.indexed = false;
    places.clear();
  }

  /** Whether the peer of {@code socket} is a server socket of this harvest, on this node. */
  boolean isPeerServer(SocketSnapshot socket) {
    if (!indexed) {
      index();
    }
    return places.contains(Place.of(socket.remoteAddress(), socket.remotePort(), socket.netns()));
  }

  private void index() {
    indexed = true;
    if (poll == null) {
      return;
    }
    for (List<SocketSnapshot> sockets : List.of(poll.live(), poll.closed())) {
      for (SocketSnapshot socket : sockets) {
        if (socket.role() == SocketRole.SERVER) {
          places.add(Place.of(socket.localAddress(), socket.localPort(), socket.netns()));
        }
      }
    }
  }

  /** An address and port; the namespace only for a loopback address (0 otherwise). */
  private record Place(InetAddress address, int port, long netns) {
    static Place of(InetAddress address, int port, long netns) {
      return new Place(address, port, address.isLoopbackAddress() ? netns : 0);
    }
  }
}
