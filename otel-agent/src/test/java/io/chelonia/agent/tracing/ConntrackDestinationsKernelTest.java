package io.chelonia.agent.tracing;

import static io.chelonia.agent.testing.KubeProxyNode.BACKEND_A;
import static io.chelonia.agent.testing.KubeProxyNode.BACKEND_B;
import static io.chelonia.agent.testing.KubeProxyNode.BACKEND_PORT;
import static io.chelonia.agent.testing.KubeProxyNode.CLIENT_POD;
import static io.chelonia.agent.testing.KubeProxyNode.SERVICE_IP;
import static io.chelonia.agent.testing.KubeProxyNode.SERVICE_PORT;
import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.kernel.Inodes;
import io.chelonia.agent.kernel.SocketSnapshot;
import io.chelonia.agent.testing.Await;
import io.chelonia.agent.testing.KubeProxyNode;
import io.chelonia.agent.testing.Sockets;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The lookup order on the real kernel, for the most common case: a pod (a namespace of its own)
 * calls a ClusterIP, and the node translates the connection in PREROUTING. The pod's namespace has
 * no translation; the node's has it. Needs root; fails, never skips, without it.
 */
class ConntrackDestinationsKernelTest {
  private static final int LOCAL_PORT = 40_124;
  @AutoClose private static KubeProxyNode node;

  @BeforeAll
  static void createNode() {
    node = KubeProxyNode.create();
  }

  @Test
  void podsConnectionIsFoundTranslatedInTheNodesNamespaceAfterItsOwn() {
    node.callService(node.clientPod(), LOCAL_PORT, 10, 20, 1);
    NamespaceDirectory directory = new NamespaceDirectory();
    try (ConntrackDestinations throughNode =
            new ConntrackDestinations(
                directory, Optional.of(KubeProxyNode.namespaceFile(node.node())));
        ConntrackDestinations agentsOwnOnly = new ConntrackDestinations(directory)) {
      SocketSnapshot socket =
          Sockets.client(
                  CLIENT_POD.getHostAddress(),
                  LOCAL_PORT,
                  SERVICE_IP.getHostAddress(),
                  SERVICE_PORT)
              .netns(inode(node.clientPod()))
              .established()
              .build();

      ActualDestination found = answer(throughNode, socket);
      assertThat(found).isInstanceOf(ActualDestination.Translated.class);
      ActualDestination.Translated backend = (ActualDestination.Translated) found;
      assertThat(backend.address()).isIn(BACKEND_A, BACKEND_B);
      assertThat(backend.port()).isEqualTo(BACKEND_PORT);

      // Neither the pod's namespace nor the agent's (not the node here) translated it.
      assertThat(answer(agentsOwnOnly, socket)).isEqualTo(ActualDestination.AS_DIALLED);
    }
  }

  /** Asks until the lookup thread has answered; the answer is handed out once. */
  private static ActualDestination answer(ActualDestinations destinations, SocketSnapshot socket) {
    return Await.until(
        Duration.ofSeconds(10),
        Duration.ofMillis(20),
        () -> {
          ActualDestination answer = destinations.of(socket);
          return answer == ActualDestination.PENDING ? Optional.empty() : Optional.of(answer);
        },
        () -> "no answer for " + socket);
  }

  private static long inode(String namespace) {
    return Inodes.of(KubeProxyNode.namespaceFile(namespace)).orElseThrow();
  }
}
