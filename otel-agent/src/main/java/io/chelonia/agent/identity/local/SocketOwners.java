package io.chelonia.agent.identity.local;

import io.chelonia.agent.identity.EndpointQuery;
import io.chelonia.agent.kernel.Inodes;
import io.chelonia.agent.kernel.OwnedSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongPredicate;
import java.util.function.Predicate;

/**
 * Which process owns which TCP socket on this machine, across network namespaces: an index built
 * from the kernel's list of the sockets processes hold (one pass of the owners iterator) and each
 * namespace's local addresses, or, without that list, from /proc alone (each namespace's net/tcp
 * and net/tcp6, every process's socket descriptors). Built off the poll thread and read as an
 * immutable snapshot.
 *
 * <p>A connected socket is known by its whole four-tuple: Linux gives one local port to connections
 * towards different destinations, so the local address and port alone may belong to several
 * processes.
 */
final class SocketOwners {
  private static final String LISTEN = "0A";
  private static final String SOCKET_LINK_PREFIX = "socket:[";

  private final Map<Long, Set<InetAddress>> addressesByNamespace;
  private final Map<Long, List<Listener>> listenersByNamespace;
  private final Map<Long, Map<Connection, Integer>> connectionsByNamespace;

  private SocketOwners(
      Map<Long, Set<InetAddress>> addresses,
      Map<Long, List<Listener>> listeners,
      Map<Long, Map<Connection, Integer>> connections) {
    this.addressesByNamespace = addresses;
    this.listenersByNamespace = listeners;
    this.connectionsByNamespace = connections;
  }

  static SocketOwners empty() {
    return new SocketOwners(Map.of(), Map.of(), Map.of());
  }

  /** Reads the whole machine from /proc; cost grows with processes and open descriptors. */
  static SocketOwners scan(Path proc) {
    return scan(proc, Optional.empty());
  }

  /**
   * Reads the whole machine, the sockets' owners from the kernel's list when given (one pass over
   * every process's files, far cheaper than reading them through /proc).
   */
  static SocketOwners scan(Path proc, Optional<Function<LongPredicate, List<OwnedSocket>>> kernel) {
    return empty().rescan(proc, kernel, netns -> true, new HashMap<>());
  }

  /**
   * This index with some namespaces read again: those given (where a lookup missed) and those it
   * does not know yet (a new pod, container or namespace host). Costs a look at each process's
   * namespace and the descriptors of the processes in those namespaces only, so a miss can be
   * answered long before the next full scan on a machine with many processes and sockets.
   *
   * @param costNanos filled with the time spent on each namespace read
   */
  SocketOwners rescan(Path proc, Set<Long> missed, Map<Long, Long> costNanos) {
    return rescan(proc, Optional.empty(), missed, costNanos);
  }

  /** {@link #rescan(Path, Set, Map)}, the owners from the kernel's list when given. */
  SocketOwners rescan(
      Path proc,
      Optional<Function<LongPredicate, List<OwnedSocket>>> kernel,
      Set<Long> missed,
      Map<Long, Long> costNanos) {
    return rescan(
        proc,
        kernel,
        netns -> missed.contains(netns) || !addressesByNamespace.containsKey(netns),
        costNanos);
  }

  private SocketOwners rescan(
      Path proc,
      Optional<Function<LongPredicate, List<OwnedSocket>>> kernel,
      Predicate<Long> toRead,
      Map<Long, Long> costNanos) {
    Map<Long, Path> namespaces = new HashMap<>();
    Map<Long, Integer> pids = new HashMap<>();
    try (DirectoryStream<Path> processes = Files.newDirectoryStream(proc, "[0-9]*")) {
      for (Path process : processes) {
        OptionalLong netns = Inodes.of(process.resolve("ns/net"));
        if (netns.isEmpty() || !toRead.test(netns.getAsLong())) {
          continue;
        }
        long started = System.nanoTime();
        namespaces.putIfAbsent(netns.getAsLong(), process);
        if (kernel.isEmpty()) {
          socketInodes(process, Integer.parseInt(process.getFileName().toString()), pids);
        }
        costNanos.merge(netns.getAsLong(), System.nanoTime() - started, Long::sum);
      }
    } catch (IOException e) {
      return this;
    }
    // After the walk: a process started meanwhile in a namespace found has its sockets listed.
    long listStarted = System.nanoTime();
    Optional<Map<Long, List<OwnedSocket>>> listed =
        namespaces.isEmpty()
            ? Optional.empty()
            : kernel.map(list -> byNamespace(list.apply(namespaces::containsKey)));
    long listCost = System.nanoTime() - listStarted;
    // One pass of the kernel's list serves every namespace read: each is charged with all of it.
    namespaces.keySet().forEach(netns -> costNanos.merge(netns, listCost, Long::sum));
    // What was not read again is kept as it was.
    Map<Long, Set<InetAddress>> addresses = new HashMap<>(addressesByNamespace);
    Map<Long, List<Listener>> listeners = new HashMap<>(listenersByNamespace);
    Map<Long, Map<Connection, Integer>> connectionsByNs = new HashMap<>(connectionsByNamespace);
    namespaces.forEach(
        (netns, process) -> {
          long started = System.nanoTime();
          addresses.put(netns, ProcNet.localAddresses(process.resolve("net")));
          Map<Connection, Integer> connections = new HashMap<>();
          List<Listener> listening = new ArrayList<>();
          List<OwnedSocket> held =
              listed.isPresent()
                  ? listed.get().getOrDefault(netns, List.of())
                  : procSockets(process, netns, pids);
          for (OwnedSocket socket : held) {
            if (socket.listening()) {
              listening.add(new Listener(socket.local(), socket.localPort(), socket.pid()));
            } else {
              connections.putIfAbsent(
                  new Connection(
                      socket.local(), socket.localPort(), socket.remote(), socket.remotePort()),
                  socket.pid());
            }
          }
          listeners.put(netns, List.copyOf(listening));
          connectionsByNs.put(netns, Map.copyOf(connections));
          costNanos.merge(netns, System.nanoTime() - started, Long::sum);
        });
    return new SocketOwners(
        Map.copyOf(addresses), Map.copyOf(listeners), Map.copyOf(connectionsByNs));
  }

  /**
   * The sockets of a namespace's net/tcp and net/tcp6 that a process holds, with the first process
   * found holding each (by socket inode).
   */
  private static List<OwnedSocket> procSockets(Path process, long netns, Map<Long, Integer> pids) {
    List<OwnedSocket> held = new ArrayList<>();
    for (String table : List.of("net/tcp", "net/tcp6")) {
      for (ProcNet.Entry entry : ProcNet.tcpEntries(process.resolve(table), pids::containsKey)) {
        // Sockets no descriptor holds (TIME_WAIT, orphans, not yet accepted) name nobody.
        Integer pid = pids.get(entry.inode());
        if (pid != null) {
          held.add(
              new OwnedSocket(
                  netns,
                  pid,
                  entry.state().equals(LISTEN),
                  entry.local(),
                  entry.localPort(),
                  entry.remote(),
                  entry.remotePort()));
        }
      }
    }
    return held;
  }

  /** The kernel's list by socket namespace, each in the list's order (the processes' ids). */
  private static Map<Long, List<OwnedSocket>> byNamespace(List<OwnedSocket> sockets) {
    Map<Long, List<OwnedSocket>> byNamespace = new HashMap<>();
    for (OwnedSocket socket : sockets) {
      byNamespace.computeIfAbsent(socket.netns(), netns -> new ArrayList<>()).add(socket);
    }
    return byNamespace;
  }

  /**
   * The process behind one end of a connection on this machine: the owner of the connected socket
   * with exactly this four-tuple, or failing that (a connection not accepted yet, or newer than the
   * index), for the server's end only, the owner of the listener on its port. The socket's own end
   * is looked for in its own namespace; a peer in the namespaces that own its address (several may:
   * containers and test hosts reuse addresses), then in the asking socket's own.
   */
  Optional<Integer> ownerPid(EndpointQuery query) {
    List<Long> namespaces = namespacesToSearch(query);
    for (long netns : namespaces) {
      Integer pid =
          connectionsByNamespace
              .getOrDefault(netns, Map.of())
              .get(
                  new Connection(
                      query.address(), query.port(), query.peerAddress(), query.peerPort()));
      if (pid != null) {
        return Optional.of(pid);
      }
    }
    if (query.server()) {
      for (long netns : namespaces) {
        for (Listener listener : listenersByNamespace.getOrDefault(netns, List.of())) {
          if (listener.accepts(query.address(), query.port())) {
            return Optional.of(listener.pid());
          }
        }
      }
    }
    return Optional.empty();
  }

  /** Where {@link #ownerPid} looks for this end: the namespaces to read again when it misses. */
  List<Long> namespacesToSearch(EndpointQuery query) {
    if (query.local() || query.address().isLoopbackAddress()) {
      return List.of(query.netns());
    }
    List<Long> owning = new ArrayList<>();
    addressesByNamespace.forEach(
        (netns, local) -> {
          if (local.contains(query.address())) {
            owning.add(netns);
          }
        });
    if (!owning.contains(query.netns())) {
      owning.add(query.netns());
    }
    return owning;
  }

  /** Every address of every namespace this index read. */
  Set<InetAddress> localAddresses() {
    Set<InetAddress> all = new HashSet<>();
    addressesByNamespace.values().forEach(all::addAll);
    return all;
  }

  /** Whether an address belongs to some namespace of this machine. */
  boolean isLocal(InetAddress address) {
    if (address.isLoopbackAddress()) {
      return true;
    }
    for (Set<InetAddress> local : addressesByNamespace.values()) {
      if (local.contains(address)) {
        return true;
      }
    }
    return false;
  }

  private static void socketInodes(Path process, int pid, Map<Long, Integer> pids) {
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd"))) {
      for (Path fd : fds) {
        String target;
        try {
          target = Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
          continue; // closed since the listing
        }
        if (target.startsWith(SOCKET_LINK_PREFIX)) {
          pids.putIfAbsent(
              Long.parseLong(target, SOCKET_LINK_PREFIX.length(), target.length() - 1, 10), pid);
        }
      }
    } catch (IOException e) {
      // The process exited, or it is a kernel thread: no descriptors to read.
    }
  }

  /** A listening socket; the unspecified address (0.0.0.0, ::) accepts on every address. */
  private record Listener(InetAddress address, int port, int pid) {
    boolean accepts(InetAddress to, int toPort) {
      return port == toPort && (address.isAnyLocalAddress() || address.equals(to));
    }
  }

  /** A connected socket's four-tuple. */
  private record Connection(InetAddress local, int localPort, InetAddress remote, int remotePort) {}

  /** Parsers for the files of /proc/PID/net. */
  static final class ProcNet {
    private static final int INODE_FIELD = 9;

    private ProcNet() {}

    record Entry(
        InetAddress local,
        int localPort,
        InetAddress remote,
        int remotePort,
        String state,
        long inode) {}

    /** Rows of net/tcp or net/tcp6: "sl local rem st tx:rx tr:when retr uid timeout inode ...". */
    static List<Entry> tcpEntries(Path table) {
      return tcpEntries(table, inode -> true);
    }

    /**
     * The rows whose socket inode is wanted; the others (TIME_WAIT rows, inode 0, can be most of a
     * busy server's table) are skipped before their addresses are parsed.
     */
    static List<Entry> tcpEntries(Path table, LongPredicate wanted) {
      List<String> lines;
      try {
        lines = Files.readAllLines(table);
      } catch (IOException e) {
        return List.of();
      }
      List<Entry> entries = new ArrayList<>();
      String[] fields = new String[INODE_FIELD + 1];
      for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
        if (!split(line, fields) || !wanted.test(Long.parseLong(fields[INODE_FIELD]))) {
          continue;
        }
        String[] local = fields[1].split(":");
        String[] remote = fields[2].split(":");
        entries.add(
            new Entry(
                address(local[0]),
                Integer.parseInt(local[1], 16),
                address(remote[0]),
                Integer.parseInt(remote[1], 16),
                fields[3],
                Long.parseLong(fields[INODE_FIELD])));
      }
      return entries;
    }

    /** The row's first fields, up to the inode, split at blanks; false when it has fewer. */
    private static boolean split(String line, String[] fields) {
      int at = 0;
      int length = line.length();
      for (int field = 0; field < fields.length; field++) {
        while (at < length && line.charAt(at) == ' ') {
          at++;
        }
        int start = at;
        while (at < length && line.charAt(at) != ' ') {
          at++;
        }
        if (start == at) {
          return false;
        }
        fields[field] = line.substring(start, at);
      }
      return true;
    }

    /** The kernel prints addresses as 32-bit words in host (little-endian) order. */
    static InetAddress address(String hex) {
      byte[] bytes = new byte[hex.length() / 2];
      for (int word = 0; word < bytes.length / 4; word++) {
        for (int b = 0; b < 4; b++) {
          int at = (word * 4 + b) * 2;
          bytes[word * 4 + 3 - b] = (byte) Integer.parseInt(hex, at, at + 2, 16);
        }
      }
      try {
        return InetAddress.getByAddress(bytes);
      } catch (UnknownHostException impossible) {
        throw new IllegalStateException(impossible);
      }
    }

    /** A namespace's own addresses: LOCAL host routes of fib_trie (IPv4) and if_inet6 (IPv6). */
    static Set<InetAddress> localAddresses(Path net) {
      Set<InetAddress> addresses = new HashSet<>();
      try {
        String previous = null;
        for (String line : Files.readAllLines(net.resolve("fib_trie"))) {
          String trimmed = line.trim();
          if (trimmed.equals("/32 host LOCAL") && previous != null && previous.startsWith("|-- ")) {
            addresses.add(InetAddress.ofLiteral(previous.substring(4)));
          }
          previous = trimmed;
        }
      } catch (IOException | IllegalArgumentException e) {
        // No IPv4 in this namespace, or a format we do not know: fewer names, not a failure.
      }
      try {
        for (String line : Files.readAllLines(net.resolve("if_inet6"))) {
          String hex = line.trim().split("\\s+")[0];
          byte[] bytes = new byte[16];
          for (int i = 0; i < 16; i++) {
            bytes[i] = (byte) Integer.parseInt(hex, 2 * i, 2 * i + 2, 16);
          }
          addresses.add(InetAddress.getByAddress(bytes));
        }
      } catch (IOException | RuntimeException e) {
        // No IPv6 in this namespace.
      }
      return Set.copyOf(addresses);
    }
  }
}
