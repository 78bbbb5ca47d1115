package io.chelonia.agent.identity.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.EndpointQuery;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lookup rules of the owner index, on a /proc tree written here: processes, their socket
 * descriptors, their namespaces' TCP tables and addresses. Two namespaces own 198.18.0.1 (as
 * containers and namespace hosts often do), and one of them holds an unrelated long-lived helper
 * listening on every address at the port the clients happen to connect from.
 */
class SocketOwnersTest {
  private static final InetAddress SHARED = InetAddress.ofLiteral("198.18.0.1");
  private static final InetAddress ORDERS = InetAddress.ofLiteral("198.18.0.2");
  private static final InetAddress STOCK = InetAddress.ofLiteral("198.18.0.3");
  private static final int CLIENT_PORT = 40000;
  private static final int HOLDER = 100;
  private static final int CHECKOUT = 101;
  private static final int HELPER = 300;
  private static final int ORDERS_API = 200;

  @TempDir Path proc;
  private long clients;
  private long helpers;
  private long servers;

  @BeforeEach
  void writeProc() throws IOException {
    // Clients: holder and checkout share 198.18.0.1:40000 towards two servers.
    clients =
        namespace(
            HOLDER,
            SHARED,
            row(SHARED, CLIENT_PORT, ORDERS, 9000, "01", 11),
            row(SHARED, CLIENT_PORT, STOCK, 80, "01", 12));
    process(HOLDER, clients, 11);
    process(CHECKOUT, clients, 12);
    // An unrelated helper elsewhere, with the same address, listening on the clients' port.
    helpers =
        namespace(
            HELPER,
            SHARED,
            row(
                InetAddress.ofLiteral("0.0.0.0"),
                CLIENT_PORT,
                InetAddress.ofLiteral("0.0.0.0"),
                0,
                "0A",
                31));
    process(HELPER, helpers, 31);
    // The server orders-api: its listener, and the connection it accepted from holder.
    servers =
        namespace(
            ORDERS_API,
            ORDERS,
            row(ORDERS, 9000, InetAddress.ofLiteral("0.0.0.0"), 0, "0A", 21),
            row(ORDERS, 9000, SHARED, CLIENT_PORT, "01", 22));
    process(ORDERS_API, servers, 21, 22);
  }

  @Test
  void aPeerIsTheOwnerOfTheConnectionWithExactlyThisFourTuple() {
    SocketOwners owners = SocketOwners.scan(proc);

    assertThat(owners.ownerPid(peer(SHARED, CLIENT_PORT, false, ORDERS, 9000, servers)))
        .contains(HOLDER);
    assertThat(owners.ownerPid(peer(SHARED, CLIENT_PORT, false, STOCK, 80, servers)))
        .contains(CHECKOUT);
  }

  @Test
  void aClientsEndIsNeverTheListenerThatHappensToHaveItsPortNumber() {
    SocketOwners owners = SocketOwners.scan(proc);

    // A connection the index does not hold (newer than the scan): nobody, not the helper.
    assertThat(
            owners.ownerPid(
                peer(
                    SHARED, CLIENT_PORT, false, InetAddress.ofLiteral("198.18.0.9"), 443, servers)))
        .isEmpty();
  }

  @Test
  void aServersEndIsItsAcceptedSocketElseItsListener() {
    SocketOwners owners = SocketOwners.scan(proc);

    assertThat(owners.ownerPid(own(ORDERS, 9000, true, SHARED, CLIENT_PORT, servers)))
        .contains(ORDERS_API);
    // Not accepted yet, or newer than the scan: the listener on the port.
    assertThat(owners.ownerPid(own(ORDERS, 9000, true, STOCK, 41234, servers)))
        .contains(ORDERS_API);
  }

  @Test
  void aSocketsOwnEndIsLookedForInItsOwnNamespaceOnly() {
    SocketOwners owners = SocketOwners.scan(proc);

    // The helper's namespace owns 198.18.0.1 too and listens on 40000: not the asking socket's.
    InetAddress unknownPeer = InetAddress.ofLiteral("198.18.0.9");
    assertThat(owners.ownerPid(own(SHARED, CLIENT_PORT, true, unknownPeer, 443, clients)))
        .isEmpty();
    assertThat(owners.ownerPid(own(SHARED, CLIENT_PORT, true, unknownPeer, 443, helpers)))
        .contains(HELPER);
  }

  @Test
  void aRescanReadsTheMissedAndTheNewNamespacesAndKeepsTheRest() throws IOException {
    SocketOwners before = SocketOwners.scan(proc);
    // A new namespace with a new server, and a new connection in the clients' namespace.
    long fresh = namespace(400, STOCK, row(STOCK, 80, SHARED, CLIENT_PORT, "01", 41));
    process(400, fresh, 41);
    Files.writeString(
        proc.resolve(HOLDER + "/net/tcp"),
        header()
            + row(SHARED, CLIENT_PORT, ORDERS, 9000, "01", 11)
            + row(SHARED, 40001, ORDERS, 9000, "01", 13));
    Files.createSymbolicLink(proc.resolve(HOLDER + "/fd/13"), Path.of("socket:[13]"));

    SocketOwners after = before.rescan(proc, Set.of(clients), new java.util.HashMap<>());

    assertThat(after.ownerPid(peer(STOCK, 80, true, SHARED, CLIENT_PORT, clients))).contains(400);
    assertThat(after.ownerPid(peer(SHARED, 40001, false, ORDERS, 9000, servers))).contains(HOLDER);
    assertThat(after.ownerPid(own(ORDERS, 9000, true, SHARED, CLIENT_PORT, servers)))
        .contains(ORDERS_API);
    assertThat(before.ownerPid(peer(SHARED, 40001, false, ORDERS, 9000, servers))).isEmpty();
  }

  private static EndpointQuery peer(
      InetAddress address, int port, boolean server, InetAddress from, int fromPort, long netns) {
    return new EndpointQuery(address, false, 0, "", 0, netns, port, server, from, fromPort);
  }

  private static EndpointQuery own(
      InetAddress address, int port, boolean server, InetAddress peer, int peerPort, long netns) {
    return new EndpointQuery(address, true, 0, "", 0, netns, port, server, peer, peerPort);
  }

  /** A namespace, as the first process in it sees it: returns its inode. */
  private long namespace(int pid, InetAddress address, String... tcpRows) throws IOException {
    Path dir = Files.createDirectories(proc.resolve(pid + "/net"));
    Files.writeString(dir.resolve("tcp"), header() + String.join("", tcpRows));
    Files.writeString(
        dir.resolve("fib_trie"),
        "Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- "
            + address.getHostAddress()
            + "\n        /32 host LOCAL\n");
    Path ns = Files.createDirectories(proc.resolve(pid + "/ns")).resolve("net");
    Files.writeString(ns, "");
    return ((Number) Files.getAttribute(ns, "unix:ino")).longValue();
  }

  /** A process in a namespace (sharing the namespace file's inode) holding socket descriptors. */
  private void process(int pid, long netns, long... socketInodes) throws IOException {
    Path ns = proc.resolve(pid + "/ns/net");
    if (!Files.exists(ns)) {
      // Another process of the namespace: the same namespace file (inode) and network tables.
      Path first = namespaceFile(netns);
      Files.createDirectories(ns.getParent());
      Files.createLink(ns, first);
      Files.createSymbolicLink(
          proc.resolve(pid + "/net"), first.getParent().getParent().resolve("net"));
    }
    Path fd = Files.createDirectories(proc.resolve(pid + "/fd"));
    for (long inode : socketInodes) {
      Files.createSymbolicLink(fd.resolve(Long.toString(inode)), Path.of("socket:[" + inode + "]"));
    }
  }

  private Path namespaceFile(long netns) throws IOException {
    try (var files = Files.list(proc)) {
      return files
          .map(dir -> dir.resolve("ns/net"))
          .filter(file -> Files.exists(file) && inodeOf(file) == netns)
          .findFirst()
          .orElseThrow();
    }
  }

  private static long inodeOf(Path file) {
    try {
      return ((Number) Files.getAttribute(file, "unix:ino")).longValue();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String header() {
    return "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
  }

  private static String row(
      InetAddress local,
      int localPort,
      InetAddress remote,
      int remotePort,
      String state,
      long inode) {
    return String.format(
        "   0: %s:%04X %s:%04X %s 00000000:00000000 00:00000000 00000000     0        0 %d 1 0 20 4 30 10 -1%n",
        hex(local), localPort, hex(remote), remotePort, state, inode);
  }

  /** The kernel's form: the 32-bit word in host (little-endian) order. */
  private static String hex(InetAddress address) {
    byte[] b = address.getAddress();
    return String.format("%02X%02X%02X%02X", b[3], b[2], b[1], b[0]);
  }
}
