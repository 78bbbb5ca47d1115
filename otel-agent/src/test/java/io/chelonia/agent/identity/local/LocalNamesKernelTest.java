package io.chelonia.agent.identity.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.ResolverChain;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkPipeline;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.link.PipelineConfig;
import io.chelonia.agent.testing.NetnsHosts;
import io.chelonia.agent.testing.TrafficPeerProcess;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Names on a machine without a cluster, on the real kernel with real processes (root). */
class LocalNamesKernelTest {
  private static final Duration PEER_TIMEOUT = Duration.ofSeconds(60);
  private static final String HOST = "test-host";

  @Test
  void twoProcessesInTwoNamespacesAreBothNamedByTheirProcessName() throws Exception {
    try (NetnsHosts hosts = NetnsHosts.create();
        LocalNames local = new LocalNames(HOST, Path.of("/proc"), Path.of("/nonexistent/docker.sock"), Duration.ofSeconds(10));
        LinkPipeline pipeline = LinkPipeline.open(
            PipelineConfig.defaults(),
            new ResolverChain(List.of(local)), Set.of(), Clock.systemUTC());
        TrafficPeerProcess server = TrafficPeerProcess.startAs("orders-api", Optional.of(hosts.nameB()),
            "server", "198.18.0.2", "0", "300", "700", "1", "--hold")) {
      int port = Integer.parseInt(server.awaitLine("LISTENING", PEER_TIMEOUT).split(" ")[1]);
      try (TrafficPeerProcess client = TrafficPeerProcess.startAs("checkout", Optional.of(hosts.nameA()),
          "client", "198.18.0.2", String.valueOf(port), "700", "300", "1", "--hold")) {
        client.awaitLine("HELD", PEER_TIMEOUT);

        Endpoint checkout = new Endpoint(HOST, LocalNames.KIND_PROCESS, "checkout");
        Endpoint ordersApi = new Endpoint(HOST, LocalNames.KIND_PROCESS, "orders-api");
        // Names of ends first seen before the owner index knew them come at a later poll.
        List<Link> named = List.of();
        for (int poll = 0; poll < 80 && named.size() < 2; poll++) {
          pipeline.poll();
          named = pipeline.table().links().stream()
              .filter(link -> link.key().serverPort() == port)
              .filter(link -> link.key().client().equals(checkout) && link.key().server().equals(ordersApi))
              .toList();
          Thread.sleep(250);
        }

        List<Link> all = pipeline.table().links();
        assertThat(named).as("links to the server port: %s", all.stream().filter(l -> l.key().serverPort() == port).toList())
            .extracting(link -> link.key().observer())
            .containsExactlyInAnyOrder(Observer.CLIENT, Observer.SERVER);
        client.send("CLOSE");
        server.send("CLOSE");
        assertThat(client.awaitExit(PEER_TIMEOUT)).isZero();
        assertThat(server.awaitExit(PEER_TIMEOUT)).isZero();
      }
    }
  }
}
