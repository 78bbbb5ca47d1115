package io.chelonia.agent.identity.kubernetes;

import static io.chelonia.agent.identity.kubernetes.KubernetesNamesTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.EndpointQuery;
import io.chelonia.agent.testing.ClusterObjects;
import io.chelonia.agent.testing.FakeApiServer;
import io.kubernetes.client.util.ClientBuilder;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The watchdog, on the one thing a real API server cannot be made to show: an informer whose calls
 * go silent on a connection of their own (HTTP/1.1, one per call), with the connection alive, so
 * that no ping finds anything wrong. Over a real server's single HTTP/2 connection the pings are
 * what recover (KubernetesNamesFailureTest); the watchdog restarts an informer that has stopped
 * calling for any other reason.
 */
class KubernetesNamesWatchdogTest {
  private FakeApiServer api;
  private KubernetesNames names;

  @AfterEach
  void stop() {
    if (names != null) {
      names.close();
    }
    if (api != null) {
      api.close();
    }
  }

  @Test
  void informerWhoseWatchWentSilentIsRestartedByTheWatchdog() {
    api = FakeApiServer.start();
    // Watches of 1 s: a healthy informer calls every second; one silent for 3 s is stale.
    names =
        KubernetesNames.builder(new ClientBuilder().setBasePath(api.url()).build())
            .timing(
                Duration.ofSeconds(1),
                Duration.ofSeconds(3),
                Duration.ofMillis(200),
                Duration.ofMillis(50),
                Duration.ofMillis(400))
            .start();
    await("informers synced", names::hasSynced);
    await("watches open", () -> api.openWatches() == 5);
    api.stallWatches();
    long restartsBefore = names.restarts();

    new ClusterObjects(api.objects()).runningPod("shop", "late-1", null, "198.19.4.50");

    await("stalled informers restarted", () -> names.restarts() >= restartsBefore + 5);
    await("pod seen by the new informer", () -> named("198.19.4.50").isPresent());
    assertThat(named("198.19.4.50")).contains(new Endpoint("shop", "Pod", "late-1", "late-1", ""));
  }

  private Optional<Endpoint> named(String address) {
    return names.name(
        new EndpointQuery(
            InetAddress.ofLiteral(address),
            false,
            0,
            "",
            0,
            0,
            0,
            false,
            InetAddress.ofLiteral("198.51.100.7"),
            0));
  }
}
