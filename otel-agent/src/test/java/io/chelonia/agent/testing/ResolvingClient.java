package io.chelonia.agent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A workload that resolves a name and connects to it, in a network namespace host: through the
 * system resolver (glibc's getaddrinfo, reading the host's resolv.conf) or through a resolver of
 * its own (a hand-built query over a UDP socket, or over TCP, no libc resolver involved). Sends 100
 * bytes, waits for the server to close, and says where it connected, or the response code of a
 * failed answer.
 */
public final class ResolvingClient {
  private static final long TIMEOUT_SECONDS = 30;

  private static final String SCRIPT =
      """
      import socket, struct, sys
      mode, name, family, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
      fam = socket.AF_INET6 if family == "6" else socket.AF_INET
      if mode == "glibc":
          address = socket.getaddrinfo(name, port, fam, socket.SOCK_STREAM)[0][4][0]
      else:
          resolver = sys.argv[5]
          qtype = 28 if family == "6" else 1
          labels = b"".join(bytes([len(l)]) + l.encode() for l in name.split("."))
          query = struct.pack(">HHHHHH", 0x4321, 0x0100, 1, 0, 0, 0) + labels + b"\\0"
          query += struct.pack(">HH", qtype, 1)
          kind = socket.SOCK_STREAM if mode == "tcp" else socket.SOCK_DGRAM
          s = socket.socket(socket.AF_INET6 if ":" in resolver else socket.AF_INET, kind)
          s.settimeout(5)
          if mode == "tcp":
              s.connect((resolver, 53))
              s.sendall(struct.pack(">H", len(query)) + query)
              head = s.recv(2, socket.MSG_WAITALL)
              answer = s.recv(struct.unpack(">H", head)[0], socket.MSG_WAITALL)
          else:
              s.sendto(query, (resolver, 53))
              answer = s.recv(4096)
          s.close()
          if answer[3] & 15:
              print("rcode", answer[3] & 15)
              sys.exit(0)
          # The last record of dnsmasq's answer is the address the chain ends at.
          address = socket.inet_ntop(fam, answer[-(16 if family == "6" else 4):])
      c = socket.create_connection((address, port), timeout=5)
      c.sendall(b"x" * 100)
      c.shutdown(socket.SHUT_WR)
      c.recv(1)
      c.close()
      print("connected", address)
      """;

  private ResolvingClient() {}

  /** Resolves through glibc, then connects; returns what the client printed. */
  public static String throughGlibc(String ns, String name, boolean ipv6, int port) {
    return run(ns, List.of("glibc", name, ipv6 ? "6" : "4", Integer.toString(port)));
  }

  /** Resolves with its own query to {@code resolver}, then connects; returns what it printed. */
  public static String throughOwnQuery(
      String ns, InetAddress resolver, String name, boolean ipv6, int port) {
    return run(
        ns,
        List.of("own", name, ipv6 ? "6" : "4", Integer.toString(port), resolver.getHostAddress()));
  }

  /** Resolves with its own query over TCP to {@code resolver}, then connects. */
  public static String throughOwnQueryOverTcp(
      String ns, InetAddress resolver, String name, int port) {
    return run(ns, List.of("tcp", name, "4", Integer.toString(port), resolver.getHostAddress()));
  }

  private static String run(String ns, List<String> args) {
    List<String> command = new ArrayList<>(List.of("python3", "-c", SCRIPT));
    command.addAll(args);
    try {
      Process process = NetnsHosts.inNamespace(ns, command).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("resolving client did not finish: " + out);
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException("resolving client failed: " + out.strip());
      }
      return out.strip();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run the resolving client", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * A server for these clients in a namespace host: on {@code port} of every address (IPv4 and
   * IPv6), reads each connection to its end and closes it, for up to {@code connections}
   * connections or 120 s. Close it to stop it sooner.
   */
  public static Process sinkServer(String ns, int port, int connections) {
    String script =
        """
        import socket, sys
        s = socket.create_server(("::", int(sys.argv[1])), family=socket.AF_INET6, dualstack_ipv6=True)
        s.settimeout(120)
        print("listening", flush=True)
        for _ in range(int(sys.argv[2])):
            c, _ = s.accept()
            while c.recv(65536):
                pass
            c.close()
        """;
    try {
      Process process =
          NetnsHosts.inNamespace(
                  ns,
                  List.of(
                      "python3",
                      "-c",
                      script,
                      Integer.toString(port),
                      Integer.toString(connections)))
              .redirectErrorStream(true)
              .start();
      byte[] line = new byte["listening\n".length()];
      int read = process.getInputStream().readNBytes(line, 0, line.length);
      if (read != line.length) {
        throw new IllegalStateException(
            "sink server did not start: " + new String(line, 0, read, StandardCharsets.UTF_8));
      }
      return process;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the sink server", e);
    }
  }
}
