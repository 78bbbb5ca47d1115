package io.chelonia.agent.identity.kubernetes;

import static io.chelonia.agent.identity.kubernetes.KubernetesNamesTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.EndpointQuery;
import io.chelonia.agent.testing.KubernetesApiServer;
import io.chelonia.agent.testing.RealisticPods;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * What the index costs: 10,000 pods (of 1,000 ReplicaSets), each the size of a real pod (labels,
 * annotations, two containers with env, resources, probes and mounts, status with conditions and
 * container statuses), loaded into a real API server (etcd and kube-apiserver, see {@link
 * KubernetesApiServer}, in processes of their own); the heap retained after a full GC is measured
 * before the informers start and after they synced. The test's own admin client is alive in both
 * measures, so it cancels out. A program rather than a test: loading the pods takes a minute or
 * more. Run it with
 *
 * <pre>{@code
 * mvn -B -ntp -pl otel-agent test-compile exec:exec -Dexec.classpathScope=test -Dexec.executable=java \
 *     -Dexec.args="-cp %classpath io.chelonia.agent.identity.kubernetes.KubernetesNamesHeap"
 * }</pre>
 *
 * <p>It fails (exit status 1) if the index retains more than {@link #MAX_RETAINED_BYTES}.
 */
public final class KubernetesNamesHeap {
  private static final int PODS = 10_000;

  /** Room above the measured figure (README); the figure itself is printed. */
  private static final long MAX_RETAINED_BYTES = 16L << 20;

  private static final Duration SYNC = Duration.ofSeconds(120);

  private KubernetesNamesHeap() {}

  public static void main(String[] args) throws Exception {
    try (KubernetesApiServer api = KubernetesApiServer.start()) {
      RealisticPods.load(api, PODS);
      long before = retainedHeap();
      try (KubernetesNames names =
          KubernetesNames.builder(KubernetesClients.forCluster(Optional.of(api.adminKubeconfig())))
              .start()) {
        await("informers synced", SYNC, names::hasSynced);
        await("last pod indexed", SYNC, () -> named(names, PODS - 1).isPresent());
        long retained = retainedHeap() - before;
        System.out.printf(
            "KubernetesNames heap for %,d pods, %,d ReplicaSets: %.1f MiB retained"
                + " (%,d bytes per pod)%n",
            PODS, PODS / RealisticPods.PODS_PER_REPLICA_SET, retained / 1048576.0, retained / PODS);
        assertThat(named(names, 1234))
            .contains(new Endpoint("load", "Deployment", "app-123", "app-123-rs-1234", ""));
        assertThat(retained).isLessThan(MAX_RETAINED_BYTES);
      }
    }
    // The informers' HTTP client leaves non-daemon threads behind.
    System.exit(0);
  }

  private static Optional<Endpoint> named(KubernetesNames names, int pod) {
    return names.name(
        new EndpointQuery(
            InetAddress.ofLiteral(RealisticPods.ip(pod)),
            false,
            0,
            "",
            0,
            0,
            0,
            false,
            InetAddress.ofLiteral("192.0.2.1"),
            0));
  }

  private static long retainedHeap() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
