package io.chelonia.agent.identity.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.ResolverChain;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkPipeline;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.link.PipelineConfig;
import io.chelonia.agent.testing.TrafficPeerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A container of the local Docker engine (Debian's docker.io) talking to a host process: the
 * container end is named by its container name. No registry is reachable, so the image is made
 * here: a root file system holding only a static busybox, imported into the engine.
 */
class DockerContainerNamesKernelTest {
  private static final String IMAGE = "chelonia-test/busybox:local";
  private static final String SUBNET = "198.19.77.0/24";
  private static final String GATEWAY = "198.19.77.1";
  private static final Duration PEER_TIMEOUT = Duration.ofSeconds(60);
  private static final String HOST = "test-host";
  private static final String NETWORK = "chl-net-" + ProcessHandle.current().pid();
  private static final String CONTAINER = "chl-web-" + ProcessHandle.current().pid();

  @BeforeAll
  static void buildImageAndNetwork(@TempDir Path rootfs) throws Exception {
    Path bin = Files.createDirectories(rootfs.resolve("bin"));
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
    for (String applet : List.of("sh", "nc", "printf", "sleep")) {
      Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
    }
    run("sh", "-c", "tar -C " + rootfs + " -c . | docker import - " + IMAGE);
    docker("network", "rm", NETWORK).waitFor();
    run("docker", "network", "create", "--subnet", SUBNET, NETWORK);
  }

  @AfterAll
  static void removeNetwork() throws Exception {
    docker("rm", "-f", CONTAINER).waitFor();
    docker("network", "rm", NETWORK).waitFor();
  }

  @Test
  void containerEndIsNamedByItsContainerName() throws Exception {
    try (LocalNames local =
            new LocalNames(
                HOST, Path.of("/proc"), DockerNames.DEFAULT_SOCKET, Duration.ofSeconds(10));
        LinkPipeline pipeline =
            LinkPipeline.open(
                PipelineConfig.defaults(),
                new ResolverChain(List.of(local)),
                Set.of(),
                Clock.systemUTC());
        TrafficPeerProcess server =
            TrafficPeerProcess.startAs(
                "orders-api", Optional.empty(), "server", GATEWAY, "0", "3", "5", "1", "--hold")) {
      int port = Integer.parseInt(server.awaitLine("LISTENING", PEER_TIMEOUT).split(" ")[1]);
      run(
          "docker",
          "run",
          "-d",
          "--rm",
          "--network",
          NETWORK,
          "--name",
          CONTAINER,
          IMAGE,
          "sh",
          "-c",
          "printf abcde | nc " + GATEWAY + " " + port + "; sleep 60");

      Endpoint container = new Endpoint(HOST, LocalNames.KIND_CONTAINER, CONTAINER);
      Endpoint ordersApi = new Endpoint(HOST, LocalNames.KIND_PROCESS, "orders-api");
      List<Link> named = List.of();
      for (int poll = 0; poll < 80 && named.isEmpty(); poll++) {
        pipeline.poll();
        named =
            pipeline.table().links().stream()
                .filter(
                    link ->
                        link.key().serverPort() == port && link.key().observer() == Observer.CLIENT)
                .filter(
                    link ->
                        link.key().client().equals(container)
                            && link.key().server().equals(ordersApi))
                .toList();
        Thread.sleep(250);
      }

      assertThat(named).as("links: %s", pipeline.table().links()).hasSize(1);
      server.send("CLOSE");
      assertThat(server.awaitExit(PEER_TIMEOUT)).isZero();
    }
  }

  private static Process docker(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("docker"));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  private static void run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish in 120 s");
    }
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.exitValue()).as("%s: %s", String.join(" ", command), output).isZero();
  }
}
