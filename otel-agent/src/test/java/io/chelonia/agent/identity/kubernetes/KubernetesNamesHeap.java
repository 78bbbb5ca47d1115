package io.chelonia.agent.identity.kubernetes;

import static io.chelonia.agent.identity.kubernetes.KubernetesNamesTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.EndpointQuery;
import io.chelonia.agent.testing.KubernetesApiServer;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

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
  private static final int PODS_PER_REPLICA_SET = 10;

  /** Room above the measured figure (README); the figure itself is printed. */
  private static final long MAX_RETAINED_BYTES = 48L << 20;

  private static final Duration SYNC = Duration.ofSeconds(120);
  private static final Duration LOAD = Duration.ofSeconds(600);

  private KubernetesNamesHeap() {}

  public static void main(String[] args) throws Exception {
    try (KubernetesApiServer api = KubernetesApiServer.start()) {
      load(api);
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
            PODS, PODS / PODS_PER_REPLICA_SET, retained / 1048576.0, retained / PODS);
        assertThat(named(names, 1234))
            .contains(new Endpoint("load", "Deployment", "app-123", "app-123-rs-1234", ""));
        assertThat(retained).isLessThan(MAX_RETAINED_BYTES);
      }
    }
    // The informers' HTTP client leaves non-daemon threads behind.
    System.exit(0);
  }

  /** The ReplicaSets and pods, each pod's status set as its kubelet would. */
  private static void load(KubernetesApiServer api) throws InterruptedException {
    api.createNamespace("load", Map.of());
    api.createServiceAccount("load", "app");
    try (ExecutorService clients = Executors.newFixedThreadPool(16)) {
      IntStream.range(0, PODS / PODS_PER_REPLICA_SET)
          .forEach(rs -> clients.execute(() -> api.admin().resource(replicaSet(rs)).create()));
      IntStream.range(0, PODS)
          .forEach(
              i ->
                  clients.execute(
                      () -> {
                        Pod pod = pod(i);
                        Pod created =
                            api.admin()
                                .resource(new PodBuilder(pod).withStatus(null).build())
                                .create();
                        created.setStatus(pod.getStatus());
                        api.admin().resource(created).updateStatus();
                      }));
      clients.shutdown();
      if (!clients.awaitTermination(LOAD.toSeconds(), TimeUnit.SECONDS)) {
        throw new IllegalStateException("pods not loaded within " + LOAD);
      }
    }
  }

  private static Optional<Endpoint> named(KubernetesNames names, int pod) {
    return names.name(
        new EndpointQuery(
            InetAddress.ofLiteral(ip(pod)),
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

  private static String ip(int pod) {
    return "198.18." + (pod / 250) + "." + (pod % 250 + 1);
  }

  private static ReplicaSet replicaSet(int rs) {
    return new ReplicaSetBuilder()
        .withNewMetadata()
        .withName("app-" + rs + "-rs")
        .withNamespace("load")
        .withLabels(Map.of("app", "app-" + rs))
        .withOwnerReferences(
            new OwnerReferenceBuilder()
                .withApiVersion("apps/v1")
                .withKind("Deployment")
                .withName("app-" + rs)
                .withUid(UUID.randomUUID().toString())
                .withController(true)
                .build())
        .endMetadata()
        .withNewSpec()
        .withReplicas(PODS_PER_REPLICA_SET)
        .withNewSelector()
        .addToMatchLabels("app", "app-" + rs)
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .addToLabels("app", "app-" + rs)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("app")
        .withImage("registry.example.com/app:v1.42.7")
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  private static Pod pod(int i) {
    int rs = i / PODS_PER_REPLICA_SET;
    String name = "app-" + rs + "-rs-" + i;
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("load")
        .withLabels(
            Map.of(
                "app",
                "app-" + rs,
                "pod-template-hash",
                "5d8c7b9f4",
                "team",
                "payments",
                "version",
                "v1.42.7"))
        .withAnnotations(
            Map.of(
                "kubectl.kubernetes.io/restartedAt",
                "2026-11-20T08:00:00Z",
                "prometheus.io/scrape",
                "true",
                "prometheus.io/port",
                "9090"))
        .withOwnerReferences(
            new OwnerReferenceBuilder()
                .withApiVersion("apps/v1")
                .withKind("ReplicaSet")
                .withName("app-" + rs + "-rs")
                .withUid(UUID.randomUUID().toString())
                .withController(true)
                .build())
        .endMetadata()
        .withNewSpec()
        .withNodeName("worker-" + (i % 50))
        .withServiceAccountName("app")
        .addNewContainer()
        .withName("app")
        .withImage("registry.example.com/app:v1.42.7")
        .addNewEnv()
        .withName("JAVA_OPTS")
        .withValue("-Xmx512m -XX:+UseZGC")
        .endEnv()
        .addNewEnv()
        .withName("DATABASE_URL")
        .withValue("postgres://db.shop.svc:5432/app")
        .endEnv()
        .addNewPort()
        .withName("http")
        .withContainerPort(8080)
        .endPort()
        .withNewResources()
        .addToRequests("cpu", new Quantity("250m"))
        .addToRequests("memory", new Quantity("512Mi"))
        .addToLimits("memory", new Quantity("1Gi"))
        .endResources()
        .withNewReadinessProbe()
        .withNewHttpGet()
        .withPath("/ready")
        .withNewPort(8080)
        .endHttpGet()
        .endReadinessProbe()
        .addNewVolumeMount()
        .withName("config")
        .withMountPath("/etc/app")
        .endVolumeMount()
        .endContainer()
        .addNewContainer()
        .withName("proxy")
        .withImage("registry.example.com/proxy:1.30")
        .addNewPort()
        .withName("admin")
        .withContainerPort(15000)
        .endPort()
        .endContainer()
        .addNewVolume()
        .withName("config")
        .withNewConfigMap()
        .withName("app-config")
        .endConfigMap()
        .endVolume()
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .withPodIP(ip(i))
        .addNewPodIP()
        .withIp(ip(i))
        .endPodIP()
        .withHostIP("192.0.2." + (i % 50 + 1))
        .withQosClass("Burstable")
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .endCondition()
        .addNewCondition()
        .withType("ContainersReady")
        .withStatus("True")
        .endCondition()
        .addNewCondition()
        .withType("PodScheduled")
        .withStatus("True")
        .endCondition()
        .addNewContainerStatus()
        .withName("app")
        .withReady(true)
        .withRestartCount(0)
        .withImage("registry.example.com/app:v1.42.7")
        .withImageID("registry.example.com/app@sha256:" + "ab".repeat(32))
        .withContainerID("containerd://" + UUID.randomUUID().toString().replace("-", ""))
        .endContainerStatus()
        .addNewContainerStatus()
        .withName("proxy")
        .withReady(true)
        .withRestartCount(0)
        .withImage("registry.example.com/proxy:1.30")
        .withImageID("registry.example.com/proxy@sha256:" + "cd".repeat(32))
        .withContainerID("containerd://" + UUID.randomUUID().toString().replace("-", ""))
        .endContainerStatus()
        .endStatus()
        .build();
  }
}
