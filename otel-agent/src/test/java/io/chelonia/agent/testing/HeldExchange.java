package io.chelonia.agent.testing;

import static io.chelonia.agent.testing.PeerExchange.PEER_TIMEOUT;

import io.chelonia.agent.lifecycle.Closing;
import java.util.Optional;

/**
 * A {@link TrafficPeer} server and client run with {@code --hold}: their connections carry the
 * given bytes and then stay open until {@link #hangUp()}. Closing kills whichever still runs.
 */
public final class HeldExchange implements AutoCloseable {
  private final TrafficPeerProcess server;
  private final TrafficPeerProcess client;
  private final int port;

  private HeldExchange(TrafficPeerProcess server, TrafficPeerProcess client, int port) {
    this.server = server;
    this.client = client;
    this.port = port;
  }

  /**
   * Starts a server in {@code serverNs} and a client in {@code clientNs}, {@code connections}
   * connections each carrying exactly the given bytes, and returns once the client holds them.
   */
  public static HeldExchange start(
      Optional<String> clientNs,
      Optional<String> serverNs,
      String address,
      long clientSends,
      long serverSends,
      int connections) {
    TrafficPeerProcess server =
        TrafficPeerProcess.start(
            serverNs,
            "server",
            address,
            "0",
            String.valueOf(serverSends),
            String.valueOf(clientSends),
            String.valueOf(connections),
            "--hold");
    TrafficPeerProcess client = null;
    try {
      int port = PeerExchange.port(server);
      client =
          PeerExchange.startClient(
              port,
              clientNs,
              address,
              String.valueOf(clientSends),
              String.valueOf(serverSends),
              String.valueOf(connections),
              "--hold");
      client.awaitLine("HELD", PEER_TIMEOUT);
      return new HeldExchange(server, client, port);
    } catch (RuntimeException e) {
      throw Cleanup.closeAfter(e, client, server);
    }
  }

  /** The server's port. */
  public int port() {
    return port;
  }

  /**
   * On every connection the client sends {@code bytes} more and reads as many back; returns then.
   */
  public void sendMore(long bytes) {
    client.send("SEND " + bytes);
    client.awaitLine("SENT", PEER_TIMEOUT);
  }

  /** Tells both ends to close their connections and exit. */
  public void hangUp() {
    client.send("CLOSE");
    server.send("CLOSE");
  }

  /** Waits for the client to exit and returns its exit code. */
  public int clientExit() {
    return client.awaitExit(PEER_TIMEOUT);
  }

  /** Waits for the server to exit and returns its exit code. */
  public int serverExit() {
    return server.awaitExit(PEER_TIMEOUT);
  }

  @Override
  public void close() {
    Closing.closeAll(client, server);
  }
}
