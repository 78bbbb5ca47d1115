package io.chelonia.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Many concurrent, idle TCP connections, held open: the sockets a busy node keeps.
 *
 * <pre>
 * Hold server ADDRESS PORT SECONDS
 * Hold client ADDRESS PORT CONNECTIONS SECONDS
 * </pre>
 *
 * The server accepts and keeps every connection; the client opens CONNECTIONS, prints {@code ready
 * N} once they are all established, and holds them. Both exit after SECONDS. Each open connection
 * is a file descriptor on each side: raise {@code ulimit -n} first.
 */
public final class Hold {
  private static final int BACKLOG = 4096;

  private Hold() {}

  public static void main(String[] args) throws Exception {
    InetSocketAddress address =
        new InetSocketAddress(InetAddress.ofLiteral(args[1]), Integer.parseInt(args[2]));
    switch (args[0]) {
      case "server" -> serve(address, Long.parseLong(args[3]));
      case "client" -> hold(address, Integer.parseInt(args[3]), Long.parseLong(args[4]));
      default -> throw new IllegalArgumentException("server or client, not " + args[0]);
    }
  }

  private static void serve(InetSocketAddress address, long seconds) throws IOException {
    Deadline.exitAfter(seconds, 0);
    List<SocketChannel> accepted = new ArrayList<>();
    try (ServerSocketChannel server = ServerSocketChannel.open().bind(address, BACKLOG)) {
      Deadline.announce("listening " + address);
      while (true) {
        accepted.add(server.accept());
      }
    }
  }

  private static void hold(InetSocketAddress address, int connections, long seconds)
      throws Exception {
    Deadline.exitAfter(seconds, 0);
    List<SocketChannel> open = new ArrayList<>(connections);
    for (int i = 0; i < connections; i++) {
      open.add(SocketChannel.open(address));
    }
    Deadline.announce("ready " + open.size());
    Thread.sleep(Long.MAX_VALUE);
  }
}
