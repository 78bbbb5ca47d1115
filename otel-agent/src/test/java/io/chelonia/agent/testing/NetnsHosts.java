package io.chelonia.agent.testing;

import io.chelonia.agent.lifecycle.Closing;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Two test hosts, A and B: network namespaces joined by a veth pair that carries IPv4 and IPv6.
 * Create it in {@code @BeforeAll} into an {@code @AutoClose} static field, which closes it after
 * all the tests. Needs root and iproute2's {@code ip}.
 */
public final class NetnsHosts implements AutoCloseable {
  private static final Path NETNS_DIR = Path.of("/run/netns");

  /** Each end of the veth pair lives in its own namespace, so both ends can have this name. */
  private static final String LINK = "eth0";

  private static final InetAddress IPV4_A = InetAddress.ofLiteral("198.18.0.1");
  private static final InetAddress IPV4_B = InetAddress.ofLiteral("198.18.0.2");
  private static final InetAddress IPV6_A = InetAddress.ofLiteral("2001:db8:c4e1::1");
  private static final InetAddress IPV6_B = InetAddress.ofLiteral("2001:db8:c4e1::2");
  private static final long IP_TIMEOUT_SECONDS = 30;

  /** Tells apart the fixtures of one JVM; the pid in the name tells apart JVMs. */
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private final String nameA;
  private final String nameB;
  private final InetAddress ipv4A;
  private final InetAddress ipv4B;
  private final InetAddress ipv6A;
  private final InetAddress ipv6B;
  private boolean closed;

  private NetnsHosts(String nameA, String nameB, List<InetAddress> addresses) {
    this.nameA = nameA;
    this.nameB = nameB;
    this.ipv4A = addresses.get(0);
    this.ipv4B = addresses.get(1);
    this.ipv6A = addresses.get(2);
    this.ipv6B = addresses.get(3);
  }

  public static NetnsHosts create() {
    return create("chl", List.of(IPV4_A, IPV4_B, IPV6_A, IPV6_B));
  }

  /**
   * Hosts with addresses of their own: a test that counts links by their ends uses addresses no
   * other test on the machine uses (kernel tests see every socket of the machine).
   *
   * @param addresses IPv4 of A, of B (in one /30), IPv6 of A, of B (in one /64)
   */
  public static NetnsHosts create(String namePrefix, List<InetAddress> addresses) {
    String prefix =
        namePrefix + "-" + ProcessHandle.current().pid() + "-" + INSTANCES.getAndIncrement();
    NetnsHosts hosts = new NetnsHosts(prefix + "-a", prefix + "-b", addresses);
    try {
      hosts.setUp();
      return hosts;
    } catch (RuntimeException e) {
      throw Cleanup.closeAfter(e, hosts);
    }
  }

  private void setUp() {
    // A recycled pid can meet the namespaces of a run that was killed before it cleaned up.
    deleteIfPresent(nameA);
    deleteIfPresent(nameB);
    ip("netns", "add", nameA);
    ip("netns", "add", nameB);
    // Created inside A with its peer moved to B, so no name is ever taken in the root namespace.
    ip("-n", nameA, "link", "add", LINK, "type", "veth", "peer", "name", LINK, "netns", nameB);
    configureHost(nameA, ipv4A, ipv6A);
    configureHost(nameB, ipv4B, ipv6B);
  }

  private static void configureHost(String ns, InetAddress ipv4, InetAddress ipv6) {
    ip("-n", ns, "link", "set", "lo", "up");
    ip("-n", ns, "link", "set", LINK, "up");
    ip("-n", ns, "address", "add", ipv4.getHostAddress() + "/30", "dev", LINK);
    // Without nodad the address stays tentative (not bindable) until duplicate detection ends.
    ip("-n", ns, "address", "add", ipv6.getHostAddress() + "/64", "dev", LINK, "nodad");
  }

  public String nameA() {
    return nameA;
  }

  public String nameB() {
    return nameB;
  }

  public InetAddress ipv4A() {
    return ipv4A;
  }

  public InetAddress ipv4B() {
    return ipv4B;
  }

  public InetAddress ipv6A() {
    return ipv6A;
  }

  public InetAddress ipv6B() {
    return ipv6B;
  }

  /** The namespace's inode number, which is how the kernel identifies a network namespace. */
  public long inode(String ns) {
    try {
      return ((Number) Files.getAttribute(NETNS_DIR.resolve(ns), "unix:ino")).longValue();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot stat network namespace " + ns, e);
    }
  }

  /** Runs {@code command} (sysctl, iptables...) inside the named namespace and waits for it. */
  public static void runIn(String ns, String... command) {
    List<String> args = new ArrayList<>(List.of("netns", "exec", ns));
    args.addAll(List.of(command));
    ip(args.toArray(String[]::new));
  }

  /**
   * Runs {@code command} inside the named namespace with {@code input} on its stdin (rules for
   * iptables-restore...) and waits for it.
   */
  static void runWithInput(String ns, String input, String... command) {
    ProcessBuilder builder =
        inNamespace(ns, List.of(command)).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    String commandLine = String.join(" ", builder.command());
    try {
      Process process = builder.start();
      try (var stdin = process.getOutputStream()) {
        stdin.write(input.getBytes(StandardCharsets.UTF_8));
      }
      finish(process, commandLine);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run `" + commandLine + "`", e);
    }
  }

  /** A process builder that runs {@code command} inside the named network namespace. */
  public static ProcessBuilder inNamespace(String ns, List<String> command) {
    List<String> inNs = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    inNs.addAll(command);
    return new ProcessBuilder(inNs);
  }

  /** Deletes both namespaces; the veth pair goes with them. Further calls do nothing. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    Closing.closeAll(() -> deleteIfPresent(nameA), () -> deleteIfPresent(nameB));
  }

  /** Adds an empty network namespace under /run/netns. */
  static void addNamespace(String ns) {
    ip("netns", "add", ns);
  }

  /** Deletes a namespace made by a test, if it is there. */
  static void deleteNamespaceIfPresent(String ns) {
    deleteIfPresent(ns);
  }

  private static void deleteIfPresent(String ns) {
    if (Files.exists(NETNS_DIR.resolve(ns))) {
      ip("netns", "delete", ns);
    }
  }

  private static void ip(String... args) {
    List<String> command = new ArrayList<>(List.of("ip"));
    command.addAll(List.of(args));
    String commandLine = String.join(" ", command);
    try {
      finish(
          new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start(),
          commandLine);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run `" + commandLine + "`", e);
    }
  }

  /** Waits for a started command and fails with its stderr if it failed. */
  private static void finish(Process process, String commandLine) {
    try {
      if (!process.waitFor(IP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(
            "`" + commandLine + "` did not finish within " + IP_TIMEOUT_SECONDS + " s");
      }
      // Reading stderr only after the exit is safe: ip's error is a line or two, far less than
      // a pipe holds.
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            "`"
                + commandLine
                + "` failed with exit code "
                + process.exitValue()
                + ": "
                + readAll(process.getErrorStream()).strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running `" + commandLine + "`", e);
    }
  }

  private static String readAll(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(stderr unreadable: " + e + ")";
    }
  }
}
