package io.chelonia.agent.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * A loopback TCP relay in front of a server, standing for the network between a client and it: it
 * can cut every connection and refuse new ones ({@link #cut}, {@link #restore}), or leave the
 * connections it relays open but silent ({@link #stall}), as a connection left half-open by a
 * restart behind a load balancer is. Bytes pass unchanged (TLS included).
 */
public final class TcpProxy implements AutoCloseable {
  private final int target;
  private final int port;
  private final Set<Relay> relays = ConcurrentHashMap.newKeySet();
  private ServerSocket listener;

  private TcpProxy(int target) {
    this.target = target;
    this.port = listen(0);
  }

  /** A relay to {@code 127.0.0.1:target} on a free loopback port. */
  public static TcpProxy to(int target) {
    return new TcpProxy(target);
  }

  public int port() {
    return port;
  }

  /** Every connection ends and new ones are refused, until {@link #restore}. */
  public synchronized void cut() {
    closeListener();
    relays.forEach(Relay::close);
  }

  /** Connections are accepted again, on the same port. */
  public synchronized void restore() {
    if (listener == null) {
      listen(port);
    }
  }

  /** The connections open now go silent and stay open; new ones are relayed normally. */
  public void stall() {
    relays.forEach(Relay::stall);
  }

  @Override
  public synchronized void close() {
    cut();
  }

  private synchronized int listen(int wanted) {
    try {
      ServerSocket socket = new ServerSocket();
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), wanted), 64);
      listener = socket;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on loopback port " + wanted, e);
    }
    ServerSocket accepting = listener;
    Thread.ofVirtual().name("tcp-proxy-accept").start(() -> accept(accepting));
    return accepting.getLocalPort();
  }

  private void accept(ServerSocket accepting) {
    while (!accepting.isClosed()) {
      try {
        Socket client = accepting.accept();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
        Relay relay = new Relay(client, server);
        relays.add(relay);
        relay.start();
      } catch (IOException e) {
        // The listener was closed (cut), or the server refused: the client sees its socket close.
      }
    }
  }

  private synchronized void closeListener() {
    if (listener != null) {
      try {
        listener.close();
      } catch (IOException e) {
        // Closed already.
      }
      listener = null;
    }
  }

  /** One relayed connection: a pump each way. */
  private final class Relay {
    private final Socket client;
    private final Socket server;
    private final CountDownLatch stalled = new CountDownLatch(1);
    private volatile boolean silent;

    Relay(Socket client, Socket server) {
      this.client = client;
      this.server = server;
    }

    void start() {
      Thread.ofVirtual().name("tcp-proxy-up").start(() -> pump(client, server));
      Thread.ofVirtual().name("tcp-proxy-down").start(() -> pump(server, client));
    }

    void stall() {
      silent = true;
    }

    void close() {
      stalled.countDown();
      closeQuietly(client);
      closeQuietly(server);
      relays.remove(this);
    }

    private void pump(Socket from, Socket to) {
      byte[] buffer = new byte[16 * 1024];
      try (InputStream in = from.getInputStream();
          OutputStream out = to.getOutputStream()) {
        int read;
        while ((read = in.read(buffer)) >= 0) {
          if (silent) {
            stalled.await(); // until cut: the bytes are swallowed, the connection stays open
            return;
          }
          out.write(buffer, 0, read);
          out.flush();
        }
      } catch (IOException e) {
        // One side went away: end both.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (!silent) {
        close();
      }
    }

    private static void closeQuietly(Socket socket) {
      try {
        socket.close();
      } catch (IOException e) {
        // Closed already.
      }
    }
  }
}
