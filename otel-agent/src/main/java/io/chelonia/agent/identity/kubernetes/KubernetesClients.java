package io.chelonia.agent.identity.kubernetes;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** How the agent reaches the API server. */
public final class KubernetesClients {
  private KubernetesClients() {}

  /**
   * A client for this cluster: from {@code kubeconfig} when given, else the pod's service account
   * when running in a cluster, else the usual kubeconfig ($KUBECONFIG, ~/.kube/config).
   */
  public static ApiClient forCluster(Optional<Path> kubeconfig) throws IOException {
    if (kubeconfig.isPresent()) {
      Path file = kubeconfig.get();
      try (Reader reader = Files.newBufferedReader(file)) {
        KubeConfig config = KubeConfig.loadKubeConfig(reader);
        config.setFile(file.toFile());
        return ClientBuilder.kubeconfig(config).build();
      }
    }
    if (System.getenv("KUBERNETES_SERVICE_HOST") != null) {
      return ClientBuilder.cluster().build();
    }
    return ClientBuilder.standard().build();
  }
}
