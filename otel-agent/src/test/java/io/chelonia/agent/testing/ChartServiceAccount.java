package io.chelonia.agent.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The agent's identity exactly as the chart renders it with default values: its ServiceAccount,
 * ClusterRole and ClusterRoleBinding, taken from `helm template` and created in a test API server,
 * so that an agent given {@link #kubeconfig} has the chart's rights and no others: a verb or a
 * resource missing from the chart fails the tests that run the agent with it.
 *
 * @param serviceAccount the ServiceAccount's name, in {@link #NAMESPACE}
 * @param clusterRole the ClusterRole's name
 */
public record ChartServiceAccount(String serviceAccount, String clusterRole) {
  /** The release's namespace; labelled for the DaemonSet's host namespaces (Pod Security). */
  public static final String NAMESPACE = "chelonia";

  private static final Set<String> KINDS =
      Set.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding");

  /** Creates the release's namespace and the chart's account and rights in {@code server}. */
  public static ChartServiceAccount create(KubernetesApiServer server) {
    String rendered = HelmChart.template(server.binaries(), NAMESPACE);
    List<HasMetadata> identity =
        server
            .admin()
            .load(new ByteArrayInputStream(rendered.getBytes(StandardCharsets.UTF_8)))
            .items()
            .stream()
            .filter(object -> KINDS.contains(object.getKind()))
            .toList();
    if (identity.size() != KINDS.size()) {
      throw new IllegalStateException(
          "the chart renders " + identity + ", not one of each " + KINDS);
    }
    server.createNamespace(NAMESPACE, Map.of("pod-security.kubernetes.io/enforce", "privileged"));
    identity.forEach(object -> server.admin().resource(object).create());
    return new ChartServiceAccount(
        nameOf(identity, "ServiceAccount"), nameOf(identity, "ClusterRole"));
  }

  /** A kubeconfig with a token of the account. */
  public Path kubeconfig(KubernetesApiServer server) {
    return server.serviceAccountKubeconfig(NAMESPACE, serviceAccount);
  }

  /** A kubeconfig with a token of the account, reaching the server through loopback port via. */
  public Path kubeconfig(KubernetesApiServer server, int via) {
    return server.serviceAccountKubeconfig(NAMESPACE, serviceAccount, via);
  }

  private static String nameOf(List<HasMetadata> objects, String kind) {
    return objects.stream()
        .filter(object -> object.getKind().equals(kind))
        .findFirst()
        .orElseThrow()
        .getMetadata()
        .getName();
  }
}
