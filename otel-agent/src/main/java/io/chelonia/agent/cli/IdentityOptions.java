package io.chelonia.agent.cli;

import io.chelonia.agent.identity.CidrGroups;
import io.chelonia.agent.identity.NameSource;
import io.chelonia.agent.identity.ResolverChain;
import io.chelonia.agent.identity.ReverseDns;
import io.chelonia.agent.identity.dns.DnsNames;
import io.chelonia.agent.identity.kubernetes.KubernetesClients;
import io.chelonia.agent.identity.kubernetes.KubernetesNames;
import io.chelonia.agent.identity.local.LocalNames;
import io.chelonia.agent.kernel.DnsMessage;
import io.chelonia.agent.lifecycle.Closing;
import io.chelonia.agent.link.PipelineConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** How the ends of links are named, shared by every command that shows links. */
final class IdentityOptions {
  private static final Logger LOG = LoggerFactory.getLogger(IdentityOptions.class);

  @Option(
      names = "--local-names",
      negatable = true,
      fallbackValue = "true",
      defaultValue = "${env:CHELONIA_LOCAL_NAMES:-true}",
      description =
          "Name ends on this machine by process or container (default: ${DEFAULT-VALUE}).")
  boolean localNames;

  @Option(
      names = "--reverse-dns",
      negatable = true,
      fallbackValue = "true",
      defaultValue = "${env:CHELONIA_REVERSE_DNS:-true}",
      description =
          "Name external addresses by reverse DNS, cached, off the poll thread"
              + " (default: ${DEFAULT-VALUE}).")
  boolean reverseDns;

  @Option(
      names = "--dns-names",
      negatable = true,
      fallbackValue = "true",
      defaultValue = "${env:CHELONIA_DNS_NAMES:-false}",
      description =
          "Name external addresses by the DNS name the workload resolved, from the DNS answers"
              + " sockets receive over UDP; adds a program on every received packet, see README"
              + " (default: ${DEFAULT-VALUE}).")
  boolean dnsNames;

  @Option(
      names = "--cluster-domain",
      defaultValue = "${env:CHELONIA_CLUSTER_DOMAIN:-" + DnsNames.DEFAULT_CLUSTER_DOMAIN + "}",
      description =
          "Names under this domain are left to Kubernetes, never taken from DNS answers"
              + " (default: ${DEFAULT-VALUE}).")
  String clusterDomain;

  @Option(
      names = "--cidr-group",
      paramLabel = "CIDR=NAME",
      split = ",",
      defaultValue = "${env:CHELONIA_CIDR_GROUPS:-}",
      description =
          "Name a whole range, e.g. 10.20.0.0/16=corp-vpn (repeatable, or comma-separated).")
  List<String> cidrGroups = new ArrayList<>();

  @Option(
      names = "--kubernetes",
      negatable = true,
      fallbackValue = "true",
      defaultValue = "${env:CHELONIA_KUBERNETES}",
      description = "Name ends from the Kubernetes API (default: on when running in a cluster).")
  Boolean kubernetes;

  @Option(
      names = "--kubeconfig",
      paramLabel = "PATH",
      defaultValue = "${env:KUBECONFIG}",
      description =
          "kubeconfig to reach the API server (default: the pod's service account in a"
              + " cluster, else ~/.kube/config).")
  Path kubeconfig;

  /** The chain of sources, most specific first; the caller closes what the session opened. */
  Naming open() {
    List<NameSource> sources = new ArrayList<>();
    List<AutoCloseable> opened = new ArrayList<>();
    Optional<KubernetesNames> cluster = kubernetesNames();
    cluster.ifPresent(
        names -> {
          sources.add(names);
          opened.add(names);
        });
    if (localNames) {
      LocalNames local = LocalNames.start(hostName(), LocalNames.DEFAULT_REFRESH);
      sources.add(local);
      opened.add(local);
    }
    Optional<DnsNames> dns = Optional.empty();
    if (dnsNames) {
      DnsNames learned =
          new DnsNames(
              DnsNames.DEFAULT_MAX_ENTRIES,
              DnsNames.DEFAULT_MINIMUM_HOLD,
              clusterDomain,
              Clock.systemUTC());
      sources.add(learned);
      dns = Optional.of(learned);
    }
    CidrGroups groups = CidrGroups.parse(cidrGroups);
    if (!groups.isEmpty()) {
      sources.add(groups);
    }
    if (reverseDns) {
      ReverseDns reverse = ReverseDns.system();
      sources.add(reverse);
      opened.add(reverse);
    }
    return new Naming(new ResolverChain(sources), cluster, dns, opened);
  }

  /**
   * Kubernetes names when asked for, or by default in a cluster. An API server that cannot be
   * reached does not stop the agent: the informers keep retrying in the background.
   */
  private Optional<KubernetesNames> kubernetesNames() {
    boolean wanted =
        kubernetes != null ? kubernetes : System.getenv("KUBERNETES_SERVICE_HOST") != null;
    if (!wanted) {
      return Optional.empty();
    }
    try {
      KubernetesNames names =
          KubernetesNames.builder(KubernetesClients.forCluster(Optional.ofNullable(kubeconfig)))
              .start();
      LOG.info("naming ends from the Kubernetes API");
      return Optional.of(names);
    } catch (IOException | RuntimeException e) {
      LOG.error("kubernetes: no API client ({}); ends are named without it", e.toString());
      return Optional.empty();
    }
  }

  static String hostName() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
    } catch (IOException e) {
      return "localhost";
    }
  }

  /** The resolver, and the background work behind it, closed together. */
  record Naming(
      ResolverChain resolver,
      Optional<KubernetesNames> kubernetes,
      Optional<DnsNames> dns,
      List<AutoCloseable> opened)
      implements AutoCloseable {
    /** The pipeline's settings with the kernel copying DNS answers when names come from them. */
    PipelineConfig configure(PipelineConfig config) {
      return config.withKernel(config.kernel().withDnsAnswers(dns.isPresent()));
    }

    /** Where the DNS answers the kernel copies go. */
    Consumer<DnsMessage> dnsMessages() {
      return dns.<Consumer<DnsMessage>>map(names -> names).orElse(message -> {});
    }

    @Override
    public void close() {
      Closing.closeAll(opened.reversed().toArray(AutoCloseable[]::new));
    }
  }
}
