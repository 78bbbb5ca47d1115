package io.chelonia.agent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real DNS server, Debian's dnsmasq, answering inside a network namespace host: authoritative for
 * {@code chelonia.test} (any other name there is NXDOMAIN), with the records given. Needs dnsmasq
 * installed (.ci/run installs it).
 */
public final class Dnsmasq implements AutoCloseable {
  private static final long START_TIMEOUT_SECONDS = 10;

  private final Process process;
  private final Path log;

  private Dnsmasq(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * @param ns the namespace host to answer in
   * @param listen the addresses it answers on (port 53)
   * @param records dnsmasq options that make records: {@code --host-record=...}, {@code
   *     --cname=...}
   */
  public static Dnsmasq start(String ns, List<InetAddress> listen, List<String> records) {
    List<String> command =
        new ArrayList<>(
            List.of(
                "dnsmasq",
                "--keep-in-foreground",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                "--bind-interfaces",
                "--local=/chelonia.test/",
                // dnsmasq answers its own records with TTL 0 unless told otherwise.
                "--local-ttl=600",
                "--user=root",
                "--pid-file="));
    listen.forEach(address -> command.add("--listen-address=" + address.getHostAddress()));
    command.addAll(records);
    try {
      Path log = Files.createTempFile("chelonia-dnsmasq", ".log");
      Process process =
          NetnsHosts.inNamespace(ns, command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      Dnsmasq server = new Dnsmasq(process, log);
      server.awaitListening(ns);
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start dnsmasq", e);
    }
  }

  /**
   * Bound once ss shows UDP port 53 in the namespace; fails with dnsmasq's own words if it died.
   */
  private void awaitListening(String ns) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("dnsmasq exited: " + output());
      }
      if (listening(ns)) {
        return;
      }
      Await.sleep(java.time.Duration.ofMillis(50));
    }
    close();
    throw new IllegalStateException("dnsmasq did not listen within 10 s: " + output());
  }

  private static boolean listening(String ns) {
    try {
      Process ss =
          NetnsHosts.inNamespace(ns, List.of("ss", "-Hlun", "sport", "= :53"))
              .redirectErrorStream(true)
              .start();
      String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return ss.waitFor(10, TimeUnit.SECONDS) && !out.isBlank();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private String output() {
    try {
      return Files.readString(log).strip();
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      Files.deleteIfExists(log);
    } catch (IOException ignored) {
      // A temporary file left behind is harmless.
    }
  }
}
