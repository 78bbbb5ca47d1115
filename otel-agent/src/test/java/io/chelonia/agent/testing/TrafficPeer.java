package io.chelonia.agent.testing;

import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A TCP peer for kernel tests: makes real connections that carry exactly the asked number of bytes,
 * in its own process so that it can run inside a network namespace. Launch it with {@link
 * TrafficPeerProcess}.
 *
 * <pre>{@code
 * server <bindAddress> <port> <bytesToSend> <bytesToReceive> <connections> [--hold]
 * client <address> <port> <bytesToSend> <bytesToReceive> <connections> [--hold] [--local-port <port>]
 * connect-refused <address> <port>
 * connect-fail <address> <port> <attempts>
 * }</pre>
 *
 * <p>Per connection the client sends its bytes and then reads its bytes; the server does the
 * reverse. Every close is a plain close (FIN) made after the closing side has read all it was sent,
 * so no connection ends in a RST. With {@code --hold} the connections stay open after the exchange:
 * the server echoes whatever arrives until stdin says {@code CLOSE} (or ends); the client prints
 * {@code EXCHANGED <n>} per connection, then {@code HELD}, then obeys stdin lines {@code SEND
 * <bytes>} (send and read back that many bytes on every connection, then print {@code SENT}) and
 * {@code CLOSE}. With {@code --local-port} the client binds that local port with SO_REUSEADDR
 * before connecting, so two clients can share one local port towards different servers (as Linux's
 * own port choice does).
 *
 * <p>{@code connect-fail} makes all its attempts at once, one thread each, and expects every one to
 * fail; it prints one line {@code FAILED <exception class>: <message>} per attempt.
 *
 * <p>Exit codes: 0 done, 1 failed (one line on stderr), 2 bad arguments, 3 hard timeout.
 */
public final class TrafficPeer {
  private static final int BACKLOG = 128;
  private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

  /** Bounds the whole process, so a peer whose other side vanished cannot outlive the test. */
  private static final long HARD_TIMEOUT_MILLIS = 120_000;

  private static final int CHUNK = 64 * 1024;
  private static final byte[] PAYLOAD = payload();
  private static final String HOLD = "--hold";
  private static final String LOCAL_PORT = "--local-port";

  private final BufferedReader stdin =
      new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

  /** Set before held sockets are closed: an echo read that fails after that is expected. */
  private volatile boolean closing;

  private TrafficPeer() {}

  public static void main(String[] args) {
    startHardTimeout();
    int exitCode;
    try {
      exitCode = new TrafficPeer().run(args);
    } catch (IOException | RuntimeException e) {
      System.err.println("TrafficPeer failed: " + e);
      exitCode = 1;
    }
    System.out.flush();
    System.exit(exitCode);
  }

  private int run(String[] args) throws IOException {
    String mode = args.length > 0 ? args[0] : "";
    switch (mode) {
      case "server", "client" -> {
        if (args.length < 6) {
          return usage();
        }
        boolean hold = false;
        int localPort = 0;
        for (int i = 6; i < args.length; i++) {
          if (args[i].equals(HOLD)) {
            hold = true;
          } else if (args[i].equals(LOCAL_PORT) && i + 1 < args.length && mode.equals("client")) {
            localPort = Integer.parseInt(args[++i]);
          } else {
            return usage();
          }
        }
        InetAddress address = InetAddress.getByName(args[1]);
        int port = Integer.parseInt(args[2]);
        long bytesToSend = Long.parseLong(args[3]);
        long bytesToReceive = Long.parseLong(args[4]);
        int connections = Integer.parseInt(args[5]);
        if (mode.equals("server")) {
          serve(address, port, bytesToSend, bytesToReceive, connections, hold);
        } else {
          connect(address, port, bytesToSend, bytesToReceive, connections, hold, localPort);
        }
        return 0;
      }
      case "connect-refused" -> {
        if (args.length != 3) {
          return usage();
        }
        return connectRefused(InetAddress.getByName(args[1]), Integer.parseInt(args[2]));
      }
      case "connect-fail" -> {
        if (args.length != 4) {
          return usage();
        }
        return connectFail(
            InetAddress.getByName(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
      }
      default -> {
        return usage();
      }
    }
  }

  private static int usage() {
    System.err.println(
        "usage: TrafficPeer server|client <address> <port> <bytesToSend>"
            + " <bytesToReceive> <connections> [--hold] [--local-port <port>]"
            + " | connect-refused <address> <port> | connect-fail <address> <port> <attempts>");
    return 2;
  }

  private void serve(
      InetAddress bindAddress,
      int port,
      long bytesToSend,
      long bytesToReceive,
      int connections,
      boolean hold)
      throws IOException {
    List<Socket> held = new ArrayList<>();
    Queue<IOException> echoFailures = new ConcurrentLinkedQueue<>();
    try (ServerSocket listener = newServerSocket(bindAddress)) {
      listener.bind(new InetSocketAddress(bindAddress, port), BACKLOG);
      announce("LISTENING " + listener.getLocalPort());
      for (int i = 0; i < connections; i++) {
        Socket socket = listener.accept();
        readExactly(socket.getInputStream(), bytesToReceive);
        writeExactly(socket.getOutputStream(), bytesToSend);
        if (hold) {
          held.add(socket);
          startEcho(socket, echoFailures);
        } else {
          socket.close();
        }
      }
    }
    if (hold) {
      awaitClose();
      closing = true;
      closeAll(held);
      if (!echoFailures.isEmpty()) {
        throw echoFailures.peek();
      }
    }
  }

  /** Writes back whatever arrives, as much as arrived, until the client closes. */
  private void startEcho(Socket socket, Queue<IOException> failures) {
    Thread.ofPlatform()
        .daemon()
        .name("echo-" + socket.getPort())
        .start(
            () -> {
              byte[] buffer = new byte[CHUNK];
              try {
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream();
                for (int n; (n = in.read(buffer)) != -1; ) {
                  out.write(buffer, 0, n);
                }
              } catch (IOException e) {
                if (!closing) {
                  failures.add(e);
                }
              }
            });
  }

  private void awaitClose() throws IOException {
    for (String line; (line = stdin.readLine()) != null; ) {
      if (line.equals("CLOSE")) {
        return;
      }
      throw new IOException("unexpected command on stdin: " + line);
    }
  }

  private void connect(
      InetAddress address,
      int port,
      long bytesToSend,
      long bytesToReceive,
      int connections,
      boolean hold,
      int localPort)
      throws IOException {
    List<Socket> held = new ArrayList<>();
    for (int i = 1; i <= connections; i++) {
      Socket socket = newSocket(address);
      if (localPort != 0) {
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(wildcardOf(address), localPort));
      }
      socket.connect(new InetSocketAddress(address, port), CONNECT_TIMEOUT_MILLIS);
      writeExactly(socket.getOutputStream(), bytesToSend);
      readExactly(socket.getInputStream(), bytesToReceive);
      if (hold) {
        held.add(socket);
        announce("EXCHANGED " + i);
      } else {
        // The server closes right after its reply. Waiting for that end of stream proves it sent
        // no more than asked, and makes the server always the side that closes first.
        if (socket.getInputStream().read() != -1) {
          throw new IOException("server sent more than " + bytesToReceive + " bytes");
        }
        socket.close();
      }
    }
    if (hold) {
      announce("HELD");
      obeyHeldCommands(held);
      closeAll(held);
    }
  }

  private void obeyHeldCommands(List<Socket> held) throws IOException {
    for (String line; (line = stdin.readLine()) != null; ) {
      if (line.equals("CLOSE")) {
        return;
      }
      if (!line.startsWith("SEND ")) {
        throw new IOException("unexpected command on stdin: " + line);
      }
      long bytes = Long.parseLong(line.substring("SEND ".length()).strip());
      for (Socket socket : held) {
        sendAndReadBack(socket, bytes);
      }
      announce("SENT");
    }
  }

  /** Chunk by chunk, so neither side ever blocks on a full buffer while the other does too. */
  private static void sendAndReadBack(Socket socket, long bytes) throws IOException {
    for (long remaining = bytes; remaining > 0; ) {
      int chunk = (int) Math.min(remaining, CHUNK);
      writeExactly(socket.getOutputStream(), chunk);
      readExactly(socket.getInputStream(), chunk);
      remaining -= chunk;
    }
  }

  private static int connectRefused(InetAddress address, int port) throws IOException {
    try (Socket socket = newSocket(address)) {
      socket.connect(new InetSocketAddress(address, port), CONNECT_TIMEOUT_MILLIS);
      System.err.println(
          "TrafficPeer: connected to "
              + address
              + " port "
              + port
              + " although it should have been refused");
      return 1;
    } catch (ConnectException refused) {
      return 0;
    }
  }

  private static int connectFail(InetAddress address, int port, int attempts) {
    List<Thread> threads = new ArrayList<>();
    Queue<String> connected = new ConcurrentLinkedQueue<>();
    for (int i = 0; i < attempts; i++) {
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try (Socket socket = newSocket(address)) {
                      socket.connect(new InetSocketAddress(address, port), CONNECT_TIMEOUT_MILLIS);
                      connected.add(socket.getLocalSocketAddress().toString());
                    } catch (IOException failed) {
                      announce(
                          "FAILED "
                              + failed.getClass().getSimpleName()
                              + ": "
                              + failed.getMessage());
                    }
                  }));
    }
    for (Thread thread : threads) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 1;
      }
    }
    if (!connected.isEmpty()) {
      System.err.println(
          "TrafficPeer: "
              + connected.size()
              + " connects to "
              + address
              + " port "
              + port
              + " succeeded although all should have failed");
      return 1;
    }
    return 0;
  }

  /**
   * Java's plain sockets are IPv6 sockets that carry IPv4 as mapped addresses; opening each socket
   * in its address's own family gives the kernel what an IPv4-only program would: AF_INET sockets.
   */
  private static Socket newSocket(InetAddress address) throws IOException {
    return SocketChannel.open(familyOf(address)).socket();
  }

  private static ServerSocket newServerSocket(InetAddress address) throws IOException {
    return ServerSocketChannel.open(familyOf(address)).socket();
  }

  private static InetAddress wildcardOf(InetAddress address) {
    return InetAddress.ofLiteral(address instanceof Inet4Address ? "0.0.0.0" : "::");
  }

  private static ProtocolFamily familyOf(InetAddress address) {
    return address instanceof Inet4Address
        ? StandardProtocolFamily.INET
        : StandardProtocolFamily.INET6;
  }

  private static void writeExactly(OutputStream out, long bytes) throws IOException {
    for (long remaining = bytes; remaining > 0; ) {
      int chunk = (int) Math.min(remaining, CHUNK);
      out.write(PAYLOAD, 0, chunk);
      remaining -= chunk;
    }
    out.flush();
  }

  private static void readExactly(InputStream in, long bytes) throws IOException {
    byte[] buffer = new byte[CHUNK];
    long read = 0;
    while (read < bytes) {
      int n = in.read(buffer, 0, (int) Math.min(bytes - read, CHUNK));
      if (n == -1) {
        throw new EOFException("peer closed after " + read + " of " + bytes + " bytes");
      }
      read += n;
    }
  }

  private static void closeAll(List<Socket> sockets) throws IOException {
    for (Socket socket : sockets) {
      socket.close();
    }
  }

  private static void announce(String line) {
    System.out.println(line);
    System.out.flush();
  }

  private static void startHardTimeout() {
    Thread.ofPlatform()
        .daemon()
        .name("hard-timeout")
        .start(
            () -> {
              try {
                Thread.sleep(HARD_TIMEOUT_MILLIS);
              } catch (InterruptedException e) {
                return;
              }
              System.err.println(
                  "TrafficPeer: hard timeout of " + HARD_TIMEOUT_MILLIS / 1000 + " s");
              Runtime.getRuntime().halt(3);
            });
  }

  private static byte[] payload() {
    byte[] payload = new byte[CHUNK];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) i;
    }
    return payload;
  }
}
