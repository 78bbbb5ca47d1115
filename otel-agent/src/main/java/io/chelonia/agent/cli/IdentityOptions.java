package io.chelonia.agent.cli;

import io.chelonia.agent.identity.CidrGroups;
import io.chelonia.agent.identity.NameSource;
import io.chelonia.agent.identity.ResolverChain;
import io.chelonia.agent.identity.ReverseDns;
import io.chelonia.agent.identity.local.LocalNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** How the ends of links are named, shared by every command that shows links. */
final class IdentityOptions {
  @Option(
      names = "--local-names",
      negatable = true,
      fallbackValue = "true",
      defaultValue = "${env:CHELONIA_LOCAL_NAMES:-true}",
      description = "Name ends on this machine by process or container (default: ${DEFAULT-VALUE}).")
  boolean localNames;

  @Option(
      names = "--reverse-dns",
      negatable = true,
      fallbackValue = "true",
      defaultValue = "${env:CHELONIA_REVERSE_DNS:-true}",
      description = "Name external addresses by reverse DNS, cached, off the poll thread"
          + " (default: ${DEFAULT-VALUE}).")
  boolean reverseDns;

  @Option(
      names = "--cidr-group",
      paramLabel = "CIDR=NAME",
      split = ",",
      defaultValue = "${env:CHELONIA_CIDR_GROUPS:-}",
      description = "Name a whole range, e.g. 10.20.0.0/16=corp-vpn (repeatable, or comma-separated).")
  List<String> cidrGroups = new ArrayList<>();

  /** The chain of sources, most specific first; the caller closes what the session opened. */
  Naming open() {
    List<NameSource> sources = new ArrayList<>();
    List<AutoCloseable> opened = new ArrayList<>();
    if (localNames) {
      LocalNames local = LocalNames.start(hostName(), LocalNames.DEFAULT_REFRESH);
      sources.add(local);
      opened.add(local);
    }
    CidrGroups groups = CidrGroups.parse(cidrGroups);
    if (!groups.isEmpty()) {
      sources.add(groups);
    }
    if (reverseDns) {
      ReverseDns dns = ReverseDns.system();
      sources.add(dns);
      opened.add(dns);
    }
    return new Naming(new ResolverChain(sources), opened);
  }

  static String hostName() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
    } catch (IOException e) {
      return "localhost";
    }
  }

  /** The resolver, and the background work behind it, closed together. */
  record Naming(ResolverChain resolver, List<AutoCloseable> opened) implements AutoCloseable {
    @Override
    public void close() {
      for (AutoCloseable resource : opened.reversed()) {
        try {
          resource.close();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }
}
