package io.chelonia.bench;

import io.chelonia.agent.kernel.ConnectionTuple;
import io.chelonia.agent.kernel.Conntrack;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What one conntrack lookup costs, on the real kernel: the {@link Conntrack} binding asked for a
 * connection that a DNAT rule translated (found), for a tuple nobody used (missing), both through
 * the socket kept open in the process's own namespace, and for the found one through a socket
 * opened inside a namespace entered for the lookup (as for a pod's namespace). Run it inside the
 * namespace that {@code bench/conntrack} prepares: an OUTPUT DNAT from SERVICE:80 to the
 * namespace's own address, port 8080.
 *
 * <pre>
 * ConntrackLookupCost LOOKUPS SERVICE_ADDRESS
 * </pre>
 *
 * Prints one JSON line: the median and 99th percentile of each kind of lookup, in microseconds.
 */
public final class ConntrackLookupCost {
  private static final int BACKEND_PORT = 8080;
  private static final int SERVICE_PORT = 80;

  private ConntrackLookupCost() {}

  @SuppressWarnings("try") // The accepted socket is only held open: the entry stays ESTABLISHED.
  public static void main(String[] args) throws IOException {
    int lookups = Integer.parseInt(args[0]);
    InetAddress service = InetAddress.getByName(args[1]);
    try (ServerSocket backend = new ServerSocket(BACKEND_PORT);
        Socket client = new Socket();
        Conntrack conntrack = Conntrack.open()) {
      client.connect(new InetSocketAddress(service, SERVICE_PORT), 5_000);
      try (Socket accepted = backend.accept()) {
        ConnectionTuple translated =
            new ConnectionTuple(
                client.getLocalAddress(), client.getLocalPort(), service, SERVICE_PORT);
        ConnectionTuple nobody =
            new ConnectionTuple(client.getLocalAddress(), 1, service, SERVICE_PORT);
        if (conntrack.replyOf(translated).isEmpty()) {
          throw new IllegalStateException("the DNATed connection has no conntrack entry");
        }
        Path own = Path.of("/proc/self/ns/net");
        String found = measure(lookups, () -> conntrack.replyOf(translated));
        String missing = measure(lookups, () -> conntrack.replyOf(nobody));
        String entered = measure(lookups, () -> conntrack.replyOf(translated, own));
        System.out.printf(
            Locale.ROOT,
            "{\"lookups\":%d,\"found\":%s,\"missing\":%s,\"found_entering_namespace\":%s}%n",
            lookups,
            found,
            missing,
            entered);
      }
    }
  }

  /** A warm-up of as many lookups, then each one timed: median and p99 in microseconds. */
  private static String measure(int lookups, Supplier<Optional<ConnectionTuple>> lookup) {
    for (int i = 0; i < lookups; i++) {
      lookup.get();
    }
    long[] nanos = new long[lookups];
    for (int i = 0; i < lookups; i++) {
      long started = System.nanoTime();
      lookup.get();
      nanos[i] = System.nanoTime() - started;
    }
    Arrays.sort(nanos);
    return String.format(
        Locale.ROOT,
        "{\"median_us\":%.2f,\"p99_us\":%.2f}",
        nanos[lookups / 2] / 1e3,
        nanos[Math.min(lookups - 1, lookups * 99 / 100)] / 1e3);
  }
}
