package io.chelonia.agent.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServiceSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Workloads made the way the cluster's controllers would make them, with nobody but the test to
 * make them: each object through the API, owner references set by hand, a pod's address and phase
 * through its status subresource (there is no scheduler or kubelet), a node's addresses likewise.
 * Every object passes the API server's validation and admission, so a field the agent relies on is
 * one a real cluster has.
 */
public final class ClusterObjects {
  private static final String IMAGE = "registry.invalid/chelonia-test:1";

  private final KubernetesClient client;
  private final Optional<String> nodeName;

  public ClusterObjects(KubernetesClient client) {
    this(client, Optional.empty());
  }

  private ClusterObjects(KubernetesClient client, Optional<String> nodeName) {
    this.client = client;
    this.nodeName = nodeName;
  }

  /** The same, its pods scheduled on {@code node} (as the scheduler's binding would set it). */
  public ClusterObjects onNode(String node) {
    return new ClusterObjects(client, Optional.of(node));
  }

  /** A Deployment, its ReplicaSet and one running pod at {@code ips}; returns the pod. */
  public Pod deploymentPod(String namespace, String deployment, String... ips) {
    HasMetadata owner =
        create(
            new DeploymentBuilder()
                .withMetadata(meta(namespace, deployment))
                .withNewSpec()
                .withSelector(selector(deployment))
                .withTemplate(template(deployment))
                .endSpec()
                .build());
    HasMetadata replicaSet = replicaSet(namespace, deployment + "-5d8c7b", owner);
    return runningPod(namespace, replicaSet.getMetadata().getName() + "-x2x9q", replicaSet, ips);
  }

  /** A ReplicaSet controlled by {@code owner}, as a Deployment (or an Argo Rollout) makes it. */
  public HasMetadata replicaSet(String namespace, String name, HasMetadata owner) {
    ObjectMeta meta = meta(namespace, name);
    meta.setOwnerReferences(List.of(controller(owner)));
    return create(
        new ReplicaSetBuilder()
            .withMetadata(meta)
            .withNewSpec()
            .withSelector(selector(name))
            .withTemplate(template(name))
            .endSpec()
            .build());
  }

  /** A CronJob, one Job of it and that Job's running pod at {@code ips}; returns the pod. */
  public Pod cronJobPod(String namespace, String cronJob, String... ips) {
    HasMetadata owner =
        create(
            new CronJobBuilder()
                .withNewMetadata()
                .withName(cronJob)
                .withNamespace(namespace)
                .endMetadata()
                .withNewSpec()
                .withSchedule("*/5 * * * *")
                .withNewJobTemplate()
                .withNewSpec()
                .withTemplate(jobTemplate(cronJob))
                .endSpec()
                .endJobTemplate()
                .endSpec()
                .build());
    return jobPod(namespace, cronJob + "-29100", owner, ips);
  }

  /** A Job owned by {@code owner} (none: a Job of its own) and its running pod; returns the pod. */
  public Pod jobPod(String namespace, String job, HasMetadata owner, String... ips) {
    JobBuilder builder =
        new JobBuilder().withNewMetadata().withName(job).withNamespace(namespace).endMetadata();
    if (owner != null) {
      builder.editMetadata().withOwnerReferences(controller(owner)).endMetadata();
    }
    HasMetadata created =
        create(builder.withNewSpec().withTemplate(jobTemplate(job)).endSpec().build());
    return runningPod(namespace, job + "-q7w2e", created, ips);
  }

  /** A StatefulSet and its pod {@code <name>-0}; returns the pod. */
  public Pod statefulSetPod(String namespace, String statefulSet, String... ips) {
    HasMetadata owner =
        create(
            new StatefulSetBuilder()
                .withMetadata(meta(namespace, statefulSet))
                .withNewSpec()
                .withServiceName(statefulSet)
                .withSelector(selector(statefulSet))
                .withTemplate(template(statefulSet))
                .endSpec()
                .build());
    return runningPod(namespace, statefulSet + "-0", owner, ips);
  }

  /** A DaemonSet and one of its pods; returns the pod. */
  public Pod daemonSetPod(String namespace, String daemonSet, String... ips) {
    HasMetadata owner = daemonSet(namespace, daemonSet);
    return runningPod(namespace, daemonSet + "-m4k8z", owner, ips);
  }

  /** A DaemonSet, no pod. */
  public HasMetadata daemonSet(String namespace, String name) {
    return create(
        new DaemonSetBuilder()
            .withMetadata(meta(namespace, name))
            .withNewSpec()
            .withSelector(selector(name))
            .withTemplate(template(name))
            .endSpec()
            .build());
  }

  /**
   * A pod owned by {@code owner} (none: a bare pod), running at {@code ips} (one per family), its
   * status set as a kubelet sets it.
   */
  public Pod runningPod(String namespace, String name, HasMetadata owner, String... ips) {
    PodBuilder pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .withLabels(labels(name))
            .endMetadata()
            .withSpec(podSpec());
    nodeName.ifPresent(node -> pod.editSpec().withNodeName(node).endSpec());
    if (owner != null) {
      pod.editMetadata().withOwnerReferences(controller(owner)).endMetadata();
    }
    Pod created = create(pod.build());
    created.setStatus(
        new PodStatusBuilder()
            .withPhase("Running")
            .withPodIP(ips[0])
            .withPodIPs(Arrays.stream(ips).map(PodIP::new).toList())
            .build());
    return client.resource(created).updateStatus();
  }

  /** A Service given cluster IPs of both families by the API server (which picks them). */
  public Service dualStackService(String namespace, String name) {
    return service(namespace, name, 8080, spec -> spec.withIpFamilyPolicy("RequireDualStack"));
  }

  /** A ClusterIP Service on port 80 at {@code clusterIp}, chosen by the caller. */
  public Service service(String namespace, String name, String clusterIp) {
    return service(namespace, name, 80, spec -> spec.withClusterIP(clusterIp));
  }

  private Service service(
      String namespace, String name, int port, UnaryOperator<ServiceSpecBuilder> addresses) {
    ServiceSpecBuilder spec =
        new ServiceSpecBuilder().withSelector(labels(name)).addNewPort().withPort(port).endPort();
    return create(
        new ServiceBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .endMetadata()
            .withSpec(addresses.apply(spec).build())
            .build());
  }

  /** A Node with these InternalIP addresses (and its name as Hostname), as its kubelet says. */
  public Node node(String name, String... addresses) {
    return node(name, Map.of(), addresses);
  }

  /** The same, with labels (a zone and a region, say). */
  public Node node(String name, Map<String, String> labels, String... addresses) {
    Node created =
        create(
            new NodeBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .build());
    created.setStatus(
        new NodeStatusBuilder()
            .withAddresses(
                Arrays.stream(addresses).map(ip -> new NodeAddress(ip, "InternalIP")).toList())
            .addNewAddress()
            .withType("Hostname")
            .withAddress(name)
            .endAddress()
            .build());
    return client.resource(created).updateStatus();
  }

  public <T extends HasMetadata> T create(T object) {
    return client.resource(object).create();
  }

  /** A controller reference to {@code owner}, as its controller writes it. */
  public static OwnerReference controller(HasMetadata owner) {
    return new OwnerReferenceBuilder()
        .withApiVersion(owner.getApiVersion())
        .withKind(owner.getKind())
        .withName(owner.getMetadata().getName())
        .withUid(owner.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  private static ObjectMeta meta(String namespace, String name) {
    return new ObjectMetaBuilder().withName(name).withNamespace(namespace).build();
  }

  private static LabelSelector selector(String app) {
    return new LabelSelectorBuilder().withMatchLabels(labels(app)).build();
  }

  private static Map<String, String> labels(String app) {
    return Map.of("app", app);
  }

  private static PodSpec podSpec() {
    return new PodSpecBuilder()
        .addNewContainer()
        .withName("main")
        .withImage(IMAGE)
        .endContainer()
        .build();
  }

  private static PodTemplateSpec template(String app) {
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .withLabels(labels(app))
        .endMetadata()
        .withSpec(podSpec())
        .build();
  }

  private static PodTemplateSpec jobTemplate(String app) {
    PodTemplateSpec template = template(app);
    template.getSpec().setRestartPolicy("Never");
    return template;
  }
}
