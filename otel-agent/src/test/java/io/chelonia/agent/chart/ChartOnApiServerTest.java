package io.chelonia.agent.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chelonia.agent.testing.Command;
import io.chelonia.agent.testing.HelmChart;
import io.chelonia.agent.testing.KubernetesApiServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The chart applied to a real API server: every object it renders passes the server's validation,
 * defaulting and admission (`kubectl apply --server-side --dry-run=server`), which a schema check
 * cannot show; and Pod Security admission decides on the agent's pod as the chart's README says:
 * the release namespace needs {@code pod-security.kubernetes.io/enforce=privileged}.
 */
class ChartOnApiServerTest {
  private static final String ENFORCE = "pod-security.kubernetes.io/enforce";

  private static KubernetesApiServer api;

  @TempDir Path work;

  @BeforeAll
  static void startApiServer() {
    api = KubernetesApiServer.start();
  }

  @AfterAll
  static void stopApiServer() {
    if (api != null) {
      api.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"default", "full-values.yaml", "otlp-forward-values.yaml"})
  void everyObjectTheChartRendersIsAcceptedByTheApiServer(String values) throws IOException {
    String namespace = "apply-" + values.replace(".yaml", "");
    api.createNamespace(namespace, Map.of(ENFORCE, "privileged"));
    String rendered =
        values.equals("default")
            ? HelmChart.template(api.binaries(), namespace)
            : HelmChart.template(api.binaries(), namespace, HelmChart.ciValues(values));
    Path file = Files.writeString(work.resolve(namespace + ".yaml"), rendered);
    List<HasMetadata> objects = objects(rendered);

    Command.Result applied =
        api.kubectl("apply", "--server-side", "--dry-run=server", "-f", file.toString());

    assertThat(applied.exitCode()).as("kubectl: %s", applied.stderr()).isZero();
    assertThat(applied.stdout().lines())
        .as("one line per object, %d objects", objects.size())
        .hasSize(objects.size())
        .allSatisfy(line -> assertThat(line).endsWith(" serverside-applied (server dry run)"));
    // Namespace-wide objects are in the release's namespace, the ClusterRole and binding are not.
    assertThat(objects)
        .filteredOn(object -> !object.getKind().startsWith("Cluster"))
        .allSatisfy(object -> assertThat(object.getMetadata().getNamespace()).isEqualTo(namespace));
  }

  @Test
  void agentPodIsRejectedUnderBaselinePodSecurityAndAdmittedUnderPrivileged() {
    api.createNamespace("psa-baseline", Map.of(ENFORCE, "baseline"));
    api.createNamespace("psa-privileged", Map.of(ENFORCE, "privileged"));

    // Admission enforces Pod Security on pods, not on the DaemonSet that makes them: its pod as
    // the DaemonSet controller would create it.
    assertThatThrownBy(() -> createAgentPod("psa-baseline"))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("violates PodSecurity \"baseline:latest\"")
        .hasMessageContaining("host namespaces (hostNetwork=true, hostPID=true)");
    Pod admitted = createAgentPod("psa-privileged");
    assertThat(admitted.getSpec().getHostPID()).isTrue();
    assertThat(admitted.getSpec().getHostNetwork()).isTrue();
  }

  /** The chart's agent pod in {@code namespace}, created (dry run) with its ServiceAccount. */
  private static Pod createAgentPod(String namespace) {
    String rendered = HelmChart.template(api.binaries(), namespace);
    List<HasMetadata> objects = objects(rendered);
    objects.stream()
        .filter(object -> object.getKind().equals("ServiceAccount"))
        .forEach(account -> api.admin().resource(account).create());
    DaemonSet agent =
        objects.stream()
            .filter(DaemonSet.class::isInstance)
            .map(DaemonSet.class::cast)
            .findFirst()
            .orElseThrow();
    Pod pod =
        new PodBuilder()
            .withMetadata(agent.getSpec().getTemplate().getMetadata())
            .editMetadata()
            .withName(agent.getMetadata().getName() + "-x7k2p")
            .withNamespace(namespace)
            .endMetadata()
            .withSpec(agent.getSpec().getTemplate().getSpec())
            .build();
    return api.admin().resource(pod).dryRun().create();
  }

  private static List<HasMetadata> objects(String rendered) {
    return api.admin()
        .load(new ByteArrayInputStream(rendered.getBytes(StandardCharsets.UTF_8)))
        .items();
  }
}
