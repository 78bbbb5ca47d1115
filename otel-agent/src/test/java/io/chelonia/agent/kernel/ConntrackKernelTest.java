package io.chelonia.agent.kernel;

import static io.chelonia.agent.testing.KubeProxyNode.BACKEND_A;
import static io.chelonia.agent.testing.KubeProxyNode.BACKEND_B;
import static io.chelonia.agent.testing.KubeProxyNode.BACKEND_PORT;
import static io.chelonia.agent.testing.KubeProxyNode.NODE_TO_A;
import static io.chelonia.agent.testing.KubeProxyNode.SERVICE_IP;
import static io.chelonia.agent.testing.KubeProxyNode.SERVICE_PORT;
import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.testing.KubeProxyNode;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ctnetlink binding on the real kernel: a connection from a kube-proxy node to a ClusterIP is
 * found in the node's connection tracking by the tuple the client's socket holds, and its reply
 * direction names the backend the DNAT rule chose. Needs root; fails, never skips, without it.
 */
class ConntrackKernelTest {
  private static final int LOCAL_PORT = 40_123;
  @AutoClose private static KubeProxyNode node;

  @BeforeAll
  static void createNode() {
    node = KubeProxyNode.create();
  }

  @Test
  void connectionToClusterIpIsFoundWithTheBackendThatAnswered() {
    node.callService(node.node(), LOCAL_PORT, 100, 200, 1);
    try (Conntrack conntrack = Conntrack.open()) {
      Path nodeNamespace = KubeProxyNode.namespaceFile(node.node());

      ConnectionTuple original =
          new ConnectionTuple(NODE_TO_A, LOCAL_PORT, SERVICE_IP, SERVICE_PORT);
      Optional<ConnectionTuple> reply = conntrack.replyOf(original, nodeNamespace);
      assertThat(reply).as("the connection's entry in the node's namespace").isPresent();
      InetAddress backend = reply.get().source();
      assertThat(backend).isIn(BACKEND_A, BACKEND_B);
      assertThat(reply.get())
          .isEqualTo(new ConnectionTuple(backend, BACKEND_PORT, NODE_TO_A, LOCAL_PORT));
      assertThat(conntrack.replyOf(original)).as("not in the agent's own namespace").isEmpty();
    }
  }

  @Test
  void tupleNobodyUsedIsNotFound() {
    try (Conntrack conntrack = Conntrack.open()) {
      ConnectionTuple nobody =
          new ConnectionTuple(
              InetAddress.ofLiteral("2001:db8:c4e1::9"),
              40_000,
              InetAddress.ofLiteral("2001:db8:c4e1::10"),
              SERVICE_PORT);
      assertThat(conntrack.replyOf(nobody, KubeProxyNode.namespaceFile(node.node()))).isEmpty();
      assertThat(conntrack.replyOf(nobody)).isEmpty();
    }
  }
}
