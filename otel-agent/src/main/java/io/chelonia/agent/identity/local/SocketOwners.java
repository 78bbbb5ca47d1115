package io.chelonia.agent.identity.local;

import io.chelonia.agent.kernel.Inodes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Which process owns which TCP socket on this machine, across network namespaces: an index built
 * from /proc (each namespace's net/tcp, net/tcp6 and local addresses, every process's socket
 * descriptors). Built off the poll thread and read as an immutable snapshot.
 */
final class SocketOwners {
  private static final String LISTEN = "0A";
  private static final String SOCKET_LINK_PREFIX = "socket:[";

  private final Map<Long, Set<InetAddress>> addressesByNamespace;
  private final Map<Long, List<Socket>> listenersByNamespace;
  private final Map<Long, List<Socket>> connectedByNamespace;
  private final Map<Long, Integer> pidBySocketInode;

  private SocketOwners(Map<Long, Set<InetAddress>> addresses, Map<Long, List<Socket>> listeners,
      Map<Long, List<Socket>> connected, Map<Long, Integer> pids) {
    this.addressesByNamespace = addresses;
    this.listenersByNamespace = listeners;
    this.connectedByNamespace = connected;
    this.pidBySocketInode = pids;
  }

  static SocketOwners empty() {
    return new SocketOwners(Map.of(), Map.of(), Map.of(), Map.of());
  }

  /** Reads the whole machine; cost grows with processes and open descriptors. */
  static SocketOwners scan(Path proc) {
    Map<Long, Path> namespaces = new HashMap<>();
    Map<Long, Integer> pids = new HashMap<>();
    try (DirectoryStream<Path> processes = Files.newDirectoryStream(proc, "[0-9]*")) {
      for (Path process : processes) {
        int pid = Integer.parseInt(process.getFileName().toString());
        OptionalLong netns = Inodes.of(process.resolve("ns/net"));
        if (netns.isEmpty()) {
          continue;
        }
        namespaces.putIfAbsent(netns.getAsLong(), process);
        socketInodes(process, pid, pids);
      }
    } catch (IOException e) {
      return empty();
    }
    Map<Long, Set<InetAddress>> addresses = new HashMap<>();
    Map<Long, List<Socket>> listeners = new HashMap<>();
    Map<Long, List<Socket>> connected = new HashMap<>();
    namespaces.forEach((netns, process) -> {
      addresses.put(netns, ProcNet.localAddresses(process.resolve("net")));
      List<Socket> listening = new java.util.ArrayList<>();
      List<Socket> established = new java.util.ArrayList<>();
      for (String table : List.of("net/tcp", "net/tcp6")) {
        for (ProcNet.Entry entry : ProcNet.tcpEntries(process.resolve(table))) {
          (entry.state().equals(LISTEN) ? listening : established)
              .add(new Socket(entry.local(), entry.localPort(), entry.inode()));
        }
      }
      listeners.put(netns, List.copyOf(listening));
      connected.put(netns, List.copyOf(established));
    });
    return new SocketOwners(Map.copyOf(addresses), Map.copyOf(listeners), Map.copyOf(connected), Map.copyOf(pids));
  }

  /**
   * The process behind an address and port of this machine: a listener on them (a server), or a
   * connected socket bound to them (an accepted or a connecting socket). Loopback addresses are
   * looked for in the asking socket's own namespace, others in the namespaces that own them.
   */
  Optional<Integer> ownerPid(long fromNetns, InetAddress address, int port) {
    if (address.isLoopbackAddress()) {
      return ownerIn(fromNetns, address, port);
    }
    for (Map.Entry<Long, Set<InetAddress>> namespace : addressesByNamespace.entrySet()) {
      if (namespace.getValue().contains(address)) {
        Optional<Integer> owner = ownerIn(namespace.getKey(), address, port);
        if (owner.isPresent()) {
          return owner;
        }
      }
    }
    return ownerIn(fromNetns, address, port);
  }

  private Optional<Integer> ownerIn(long netns, InetAddress address, int port) {
    for (Socket listener : listenersByNamespace.getOrDefault(netns, List.of())) {
      if (listener.port() == port
          && (listener.address().isAnyLocalAddress() || listener.address().equals(address))) {
        return pid(listener);
      }
    }
    for (Socket socket : connectedByNamespace.getOrDefault(netns, List.of())) {
      if (socket.port() == port && socket.address().equals(address)) {
        return pid(socket);
      }
    }
    return Optional.empty();
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

  private Optional<Integer> pid(Socket socket) {
    return Optional.ofNullable(pidBySocketInode.get(socket.inode()));
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
          pids.putIfAbsent(Long.parseLong(target, SOCKET_LINK_PREFIX.length(), target.length() - 1, 10), pid);
        }
      }
    } catch (IOException e) {
      // The process exited, or it is a kernel thread: no descriptors to read.
    }
  }

  private record Socket(InetAddress address, int port, long inode) {}

  /** Parsers for the files of /proc/PID/net. */
  static final class ProcNet {
    private ProcNet() {}

    record Entry(InetAddress local, int localPort, String state, long inode) {}

    /** Rows of net/tcp or net/tcp6: "sl local rem st tx:rx tr:when retr uid timeout inode ...". */
    static List<Entry> tcpEntries(Path table) {
      List<String> lines;
      try {
        lines = Files.readAllLines(table);
      } catch (IOException e) {
        return List.of();
      }
      List<Entry> entries = new java.util.ArrayList<>(lines.size());
      for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length < 10) {
          continue;
        }
        String[] local = fields[1].split(":");
        entries.add(new Entry(
            address(local[0]), Integer.parseInt(local[1], 16), fields[3], Long.parseLong(fields[9])));
      }
      return entries;
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
