package io.chelonia.agent.identity.kubernetes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The agent's Kubernetes naming as the tests start it: the client made from a kubeconfig as the
 * agent makes it, retries quick (50 to 400 ms) and the watchdog checking every 200 ms, so that a
 * server back or a stale informer is seen within a second.
 */
final class AgentNames {
  private AgentNames() {}

  static KubernetesNames start(
      Path kubeconfig,
      Path cgroupRoot,
      Duration watchTimeout,
      Duration staleAfter,
      Duration pingInterval) {
    try {
      return KubernetesNames.builder(KubernetesClients.forCluster(Optional.of(kubeconfig)))
          .cgroupRoot(cgroupRoot)
          .timing(
              watchTimeout,
              staleAfter,
              Duration.ofMillis(200),
              Duration.ofMillis(50),
              Duration.ofMillis(400))
          .pingInterval(pingInterval)
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + kubeconfig, e);
    }
  }

  /** Production-like watches (60 s) and pings (30 s). */
  static KubernetesNames start(Path kubeconfig, Path cgroupRoot) {
    return start(
        kubeconfig,
        cgroupRoot,
        Duration.ofSeconds(60),
        Duration.ofSeconds(150),
        Duration.ofSeconds(30));
  }
}
