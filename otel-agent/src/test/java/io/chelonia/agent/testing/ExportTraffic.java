package io.chelonia.agent.testing;

import java.util.Optional;

/**
 * The traffic the export tests check their figures against: a client on host A exchanging exactly
 * known bytes with a server on host B, and a connection from A to a closed port of B.
 */
public final class ExportTraffic {
  public static final String SERVER_ADDRESS = "198.18.0.2";
  public static final long CLIENT_SENDS = 123_457;
  public static final long SERVER_SENDS = 76_543;
  public static final int CONNECTIONS = 2;

  /**
   * A closed port on host B, for a refused connection: one per JVM, as the agent sees the test
   * hosts of every test run on the machine and the link is named by address and port.
   */
  public static final int REFUSED_PORT = 100 + (int) (ProcessHandle.current().pid() % 900);

  private ExportTraffic() {}

  /**
   * {@link #CONNECTIONS} connections from A to B, each carrying {@link #CLIENT_SENDS} bytes to the
   * server and {@link #SERVER_SENDS} back; returns the server's port.
   */
  public static int exchange(NetnsHosts hosts) {
    return PeerExchange.exchange(
        Optional.of(hosts.nameA()),
        Optional.of(hosts.nameB()),
        SERVER_ADDRESS,
        CLIENT_SENDS,
        SERVER_SENDS,
        CONNECTIONS);
  }

  /** A connection from A to {@link #REFUSED_PORT} on B, refused. */
  public static void connectRefused(NetnsHosts hosts) {
    PeerExchange.connectRefused(Optional.of(hosts.nameA()), SERVER_ADDRESS, REFUSED_PORT);
  }
}
