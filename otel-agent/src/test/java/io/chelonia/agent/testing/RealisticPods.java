package io.chelonia.agent.testing;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * A large cluster's pods in a real API server: pods of ReplicaSets (ten each) in namespace {@link
 * #NAMESPACE}, each the size of a real pod (labels, annotations, two containers with env,
 * resources, probes and mounts, status with conditions and container statuses), created through the
 * API and each pod's status then set as its kubelet would. Pod {@code i} has address {@link
 * #ip(int)} (198.18.0.1 up, 250 to a /24) and belongs to Deployment {@code app-(i / 10)}. Shared by
 * the heap measure ({@code KubernetesNamesHeap}) and {@code bench/footprint}'s Kubernetes mode.
 */
public final class RealisticPods {
  /** Where the pods are. */
  public static final String NAMESPACE = "load";

  public static final int PODS_PER_REPLICA_SET = 10;

  private static final Duration LOAD = Duration.ofSeconds(600);

  private RealisticPods() {}

  /** Creates {@code pods} pods (a multiple of ten) and their ReplicaSets in {@code api}. */
  public static void load(KubernetesApiServer api, int pods) throws InterruptedException {
    if (pods <= 0 || pods % PODS_PER_REPLICA_SET != 0) {
      throw new IllegalArgumentException(
          "pods must be a positive multiple of " + PODS_PER_REPLICA_SET + ": " + pods);
    }
    api.createNamespace(NAMESPACE, Map.of());
    api.createServiceAccount(NAMESPACE, "app");
    try (ExecutorService clients = Executors.newFixedThreadPool(16)) {
      IntStream.range(0, pods / PODS_PER_REPLICA_SET)
          .forEach(rs -> clients.execute(() -> api.admin().resource(replicaSet(rs)).create()));
      IntStream.range(0, pods)
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

  /** Pod {@code pod}'s address. */
  public static String ip(int pod) {
    return "198.18." + (pod / 250) + "." + (pod % 250 + 1);
  }

  private static ReplicaSet replicaSet(int rs) {
    return new ReplicaSetBuilder()
        .withNewMetadata()
        .withName("app-" + rs + "-rs")
        .withNamespace(NAMESPACE)
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
        .withNamespace(NAMESPACE)
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
