package io.chelonia.agent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A known UDP exchange between two namespace hosts, by two real processes: a server bound to an
 * address and port in one host answers each datagram it receives (recvfrom, sendto) with {@code
 * reply} bytes; a client in the other sends {@code count} datagrams of {@code request} bytes, each
 * after the answer to the one before. The client's socket is connected (send, recv) or not (sendto,
 * recvfrom). Every wait is bounded.
 */
public final class UdpExchange {
  private static final long TIMEOUT_SECONDS = 30;

  private static final String SERVER =
      """
      import socket, sys
      address, port, count, reply = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
      # "::" without IPV6_V6ONLY (Linux's default): a dual-stack socket, IPv4 peers v4-mapped.
      s = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_DGRAM)
      s.bind((address, port))
      s.settimeout(20)
      print("ready", flush=True)
      for _ in range(count):
          data, peer = s.recvfrom(65535)
          s.sendto(b"r" * reply, peer)
      """;

  private static final String CLIENT =
      """
      import socket, sys
      address, port, count, request, connected = (
          sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1")
      s = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_DGRAM)
      s.settimeout(10)
      if connected:
          s.connect((address, port))
      for _ in range(count):
          if connected:
              s.send(b"q" * request)
              s.recv(65535)
          else:
              s.sendto(b"q" * request, (address, port))
              s.recvfrom(65535)
      print("done", flush=True)
      """;

  private UdpExchange() {}

  /**
   * Runs one exchange to its end: the server in {@code serverNs}, the client in {@code clientNs}.
   */
  public static void run(
      String clientNs,
      String serverNs,
      InetAddress server,
      int port,
      int count,
      int request,
      int reply,
      boolean connected) {
    run(clientNs, serverNs, server, server, port, count, request, reply, connected);
  }

  /**
   * The same with the server bound to {@code bound} (the wildcard {@code ::}, say), the client
   * sending to {@code server}.
   */
  public static void run(
      String clientNs,
      String serverNs,
      InetAddress bound,
      InetAddress server,
      int port,
      int count,
      int request,
      int reply,
      boolean connected) {
    String address = server.getHostAddress();
    try {
      Process serverProcess =
          NetnsHosts.inNamespace(
                  serverNs,
                  List.of(
                      "python3",
                      "-c",
                      SERVER,
                      bound.getHostAddress(),
                      Integer.toString(port),
                      Integer.toString(count),
                      Integer.toString(reply)))
              .redirectErrorStream(true)
              .start();
      try {
        String ready = serverProcess.inputReader(StandardCharsets.UTF_8).readLine();
        if (!"ready".equals(ready)) {
          throw new IllegalStateException("UDP server did not start: " + ready);
        }
        Process client =
            NetnsHosts.inNamespace(
                    clientNs,
                    List.of(
                        "python3",
                        "-c",
                        CLIENT,
                        address,
                        Integer.toString(port),
                        Integer.toString(count),
                        Integer.toString(request),
                        connected ? "1" : "0"))
                .redirectErrorStream(true)
                .start();
        finish(client, "UDP client");
        finish(serverProcess, "UDP server");
      } finally {
        serverProcess.destroyForcibly();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run the UDP exchange", e);
    }
  }

  private static void finish(Process process, String what) throws IOException {
    try {
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(what + " did not finish in " + TIMEOUT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (process.exitValue() != 0) {
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      throw new IllegalStateException(what + " failed: " + out.strip());
    }
  }
}
