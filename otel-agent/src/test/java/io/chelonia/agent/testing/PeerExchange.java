package io.chelonia.agent.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Runs {@link TrafficPeer} servers and clients for the export tests. */
public final class PeerExchange {
  public static final Duration PEER_TIMEOUT = Duration.ofSeconds(60);

  private PeerExchange() {}

  /**
   * Runs a server in {@code serverNs} and a client in {@code clientNs} to completion, {@code
   * connections} connections each carrying exactly the given bytes; returns the server's port.
   */
  public static int exchange(
      Optional<String> clientNs,
      Optional<String> serverNs,
      String address,
      long clientSends,
      long serverSends,
      int connections) {
    try (TrafficPeerProcess server =
        TrafficPeerProcess.start(
            serverNs,
            "server",
            address,
            "0",
            String.valueOf(serverSends),
            String.valueOf(clientSends),
            String.valueOf(connections))) {
      int port = port(server);
      try (TrafficPeerProcess client =
          startClient(
              port,
              clientNs,
              address,
              String.valueOf(clientSends),
              String.valueOf(serverSends),
              String.valueOf(connections))) {
        int clientExit = client.awaitExit(PEER_TIMEOUT);
        if (clientExit != 0) {
          throw new IllegalStateException(
              "client exited with " + clientExit + ": " + client.stderr());
        }
        int serverExit = server.awaitExit(PEER_TIMEOUT);
        if (serverExit != 0) {
          throw new IllegalStateException(
              "server exited with " + serverExit + ": " + server.stderr());
        }
        return port;
      }
    }
  }

  /** Starts {@code TrafficPeer client <address> <port> exchange...} in {@code ns}. */
  public static TrafficPeerProcess startClient(
      int port, Optional<String> ns, String address, String... exchange) {
    String[] args = new String[exchange.length + 3];
    args[0] = "client";
    args[1] = address;
    args[2] = String.valueOf(port);
    System.arraycopy(exchange, 0, args, 3, exchange.length);
    return TrafficPeerProcess.start(ns, args);
  }

  /** The port a started server announced. */
  public static int port(TrafficPeerProcess server) {
    return Integer.parseInt(server.awaitLine("LISTENING", PEER_TIMEOUT).split(" ")[1]);
  }

  /**
   * Makes {@code attempts} connects at once from {@code ns} to {@code address:port}, every one of
   * which must fail; returns each failure as {@code <exception class>: <message>}.
   */
  public static List<String> connectFailing(
      Optional<String> ns, String address, int port, int attempts) {
    try (TrafficPeerProcess failing =
        TrafficPeerProcess.start(
            ns, "connect-fail", address, String.valueOf(port), String.valueOf(attempts))) {
      List<String> failures = new ArrayList<>();
      for (int i = 0; i < attempts; i++) {
        failures.add(failing.awaitLine("FAILED ", PEER_TIMEOUT).substring("FAILED ".length()));
      }
      int exit = failing.awaitExit(PEER_TIMEOUT);
      if (exit != 0) {
        throw new IllegalStateException(
            "connect-fail exited with " + exit + ": " + failing.stderr());
      }
      return failures;
    }
  }

  /** Runs a client in {@code ns} whose connect to {@code address:port} must be refused. */
  public static void connectRefused(Optional<String> ns, String address, int port) {
    try (TrafficPeerProcess refused =
        TrafficPeerProcess.start(ns, "connect-refused", address, String.valueOf(port))) {
      int exit = refused.awaitExit(PEER_TIMEOUT);
      if (exit != 0) {
        throw new IllegalStateException(
            "connect-refused exited with " + exit + ": " + refused.stderr());
      }
    }
  }
}
