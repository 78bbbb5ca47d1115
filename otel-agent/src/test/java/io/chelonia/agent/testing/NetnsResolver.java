package io.chelonia.agent.testing;

import io.chelonia.agent.lifecycle.Closing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Host A of a {@link NetnsHosts} pair resolving names through a real DNS server on host B: a {@link
 * Dnsmasq} with the records given, and B's IPv4 address as the nameserver of A's resolv.conf, which
 * glibc reads for A's processes. Start it in {@code @BeforeAll} and close it before the hosts.
 *
 * <pre>{@code
 * resolver =
 *     NetnsResolver.on(hosts)
 *         .listenOn(hosts.ipv4B())
 *         .hostRecord("api.chelonia.test", hosts.ipv4B())
 *         .start();
 * }</pre>
 */
public final class NetnsResolver implements AutoCloseable {
  /** Two tries, two seconds each: a query nobody answers fails fast. */
  private static final String OPTIONS = "options timeout:2 attempts:2\n";

  private final Path netnsEtc;
  private final Dnsmasq dns;

  private NetnsResolver(Path netnsEtc, Dnsmasq dns) {
    this.netnsEtc = netnsEtc;
    this.dns = dns;
  }

  /** A resolver for host A of {@code hosts}, to describe and then {@link Builder#start}. */
  public static Builder on(NetnsHosts hosts) {
    return new Builder(hosts);
  }

  /** Stops dnsmasq and takes A's resolv.conf away. Idempotent. */
  @Override
  public void close() {
    Closing.closeAll(dns, () -> removeResolvConf(netnsEtc));
  }

  private static void removeResolvConf(Path netnsEtc) throws IOException {
    Files.deleteIfExists(netnsEtc.resolve("resolv.conf"));
    Files.deleteIfExists(netnsEtc);
  }

  /** What dnsmasq listens on and answers. */
  public static final class Builder {
    private final NetnsHosts hosts;
    private final List<InetAddress> listen = new ArrayList<>();
    private final List<String> records = new ArrayList<>();

    private Builder(NetnsHosts hosts) {
      this.hosts = hosts;
    }

    /** Addresses of host B where dnsmasq answers on port 53. */
    public Builder listenOn(InetAddress... addresses) {
      listen.addAll(List.of(addresses));
      return this;
    }

    /** {@code name} has these addresses (A and AAAA records). */
    public Builder hostRecord(String name, InetAddress... addresses) {
      records.add(
          "--host-record="
              + name
              + Arrays.stream(addresses)
                  .map(address -> "," + address.getHostAddress())
                  .collect(Collectors.joining()));
      return this;
    }

    /** {@code alias} is a CNAME of {@code target}. */
    public Builder cname(String alias, String target) {
      records.add("--cname=" + alias + "," + target);
      return this;
    }

    /**
     * Writes A's resolv.conf ({@code ip netns exec} mounts {@code /etc/netns/<A>/resolv.conf} over
     * {@code /etc/resolv.conf}) and starts dnsmasq in B, listening once this returns.
     */
    public NetnsResolver start() {
      if (listen.isEmpty()) {
        throw new IllegalStateException("dnsmasq would answer nowhere: call listenOn first");
      }
      Path netnsEtc = Path.of("/etc/netns", hosts.nameA());
      try {
        Files.createDirectories(netnsEtc);
        Files.writeString(
            netnsEtc.resolve("resolv.conf"),
            "nameserver " + hosts.ipv4B().getHostAddress() + "\n" + OPTIONS);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + netnsEtc.resolve("resolv.conf"), e);
      }
      try {
        return new NetnsResolver(netnsEtc, Dnsmasq.start(hosts.nameB(), listen, records));
      } catch (RuntimeException e) {
        throw Cleanup.closeAfter(e, () -> removeResolvConf(netnsEtc));
      }
    }
  }
}
