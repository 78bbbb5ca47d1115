package io.chelonia.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Short connections, the way a chatty RPC client makes them: connect, one byte each way, close. The
 * server closes first, so TIME_WAIT stays on its side and the client never runs out of ports.
 *
 * <pre>
 * Churn server ADDRESS PORT SECONDS
 * Churn client ADDRESS PORT CONNECTIONS SECONDS THREADS [PER_SECOND]
 * </pre>
 *
 * The client stops after CONNECTIONS or SECONDS, whichever comes first (PER_SECOND paces it, for a
 * steady background churn), and prints one JSON line: connections made, rate, and the connect
 * latency (SYN to the end of the handshake as the client sees it) at p50 and p99. The server exits
 * after SECONDS.
 */
public final class Churn {
  private static final int SERVER_THREADS = 4;
  private static final int BACKLOG = 4096;
  private static final long STUCK_GRACE_SECONDS = 30;

  private Churn() {}

  public static void main(String[] args) throws Exception {
    InetSocketAddress address =
        new InetSocketAddress(InetAddress.ofLiteral(args[1]), Integer.parseInt(args[2]));
    switch (args[0]) {
      case "server" -> serve(address, Long.parseLong(args[3]));
      case "client" ->
          connect(
              address,
              Integer.parseInt(args[3]),
              Long.parseLong(args[4]),
              Integer.parseInt(args[5]),
              args.length > 6 ? Double.parseDouble(args[6]) : 0);
      default -> throw new IllegalArgumentException("server or client, not " + args[0]);
    }
  }

  private static void serve(InetSocketAddress address, long seconds) throws Exception {
    Deadline.exitAfter(seconds, 0);
    ServerSocketChannel server = ServerSocketChannel.open().bind(address, BACKLOG);
    Deadline.announce("listening " + address);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < SERVER_THREADS; i++) {
      threads.add(Thread.ofPlatform().start(() -> answer(server)));
    }
    for (Thread thread : threads) {
      thread.join();
    }
  }

  private static void answer(ServerSocketChannel server) {
    ByteBuffer buffer = ByteBuffer.allocate(1);
    while (true) {
      try (SocketChannel connection = server.accept()) {
        buffer.clear();
        connection.read(buffer);
        buffer.flip();
        connection.write(buffer);
      } catch (IOException e) {
        // A client that gave up costs that client one connection, not the server its thread.
      }
    }
  }

  private static void connect(
      InetSocketAddress address, int connections, long seconds, int threads, double perSecond)
      throws Exception {
    // A connect stuck past the deadline (a SYN lost for good) must not hang the script.
    Deadline.exitAfter(seconds + STUCK_GRACE_SECONDS, 1);
    long start = System.nanoTime();
    long deadline = start + seconds * 1_000_000_000L;
    AtomicInteger next = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    long[][] latencies = new long[threads][];
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int worker = t;
      workers.add(
          Thread.ofPlatform()
              .start(
                  () ->
                      latencies[worker] =
                          connectLoop(
                              address,
                              connections,
                              deadline,
                              next,
                              failed,
                              perSecond / threads,
                              start)));
    }
    for (Thread worker : workers) {
      worker.join();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
    System.out.printf(
        Locale.ROOT,
        "{\"connections\":%d,\"failed\":%d,\"seconds\":%.3f,\"per_second\":%.1f,"
            + "\"connect_p50_us\":%.1f,\"connect_p99_us\":%.1f}%n",
        all.length,
        failed.get(),
        elapsed,
        all.length / elapsed,
        percentile(all, 0.50) / 1e3,
        percentile(all, 0.99) / 1e3);
    if (all.length == 0) {
      System.exit(1);
    }
  }

  /** Connects until the shared count is reached or the deadline passes; returns the latencies. */
  private static long[] connectLoop(
      InetSocketAddress address,
      int connections,
      long deadline,
      AtomicInteger next,
      AtomicInteger failed,
      double perSecond,
      long start) {
    long[] latencies = new long[connections];
    int made = 0;
    ByteBuffer buffer = ByteBuffer.allocate(1);
    for (int n = 0; next.getAndIncrement() < connections && System.nanoTime() < deadline; n++) {
      if (perSecond > 0) {
        pace(start + (long) (n * 1e9 / perSecond));
      }
      long begin = System.nanoTime();
      try (SocketChannel channel = SocketChannel.open(address)) {
        latencies[made++] = System.nanoTime() - begin;
        buffer.clear().put((byte) 1).flip();
        channel.write(buffer);
        buffer.clear();
        channel.read(buffer);
      } catch (IOException e) {
        failed.incrementAndGet();
      }
    }
    return Arrays.copyOf(latencies, made);
  }

  private static void pace(long until) {
    long wait = until - System.nanoTime();
    if (wait > 0) {
      try {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static double percentile(long[] sorted, double p) {
    return sorted.length == 0
        ? Double.NaN
        : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
  }
}
