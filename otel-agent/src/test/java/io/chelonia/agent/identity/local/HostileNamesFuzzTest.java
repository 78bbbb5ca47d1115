package io.chelonia.agent.identity.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.chelonia.agent.testing.HostileText;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generated hostile inputs for the local identity's parsers: cgroup files (a container's path is
 * chosen by its runtime and, through names, by whoever starts it) and the Docker Engine's answers.
 */
class HostileNamesFuzzTest {
  private static final int INPUTS = 20_000;
  private static final String ID =
      "9bdb4d48b318e51846d18b2cfa66d4a42d49b23ee43940012b0545e1ccfca547";
  private static final Pattern CONTAINER_ID = Pattern.compile("[0-9a-f]{64}");

  @Test
  void cgroupFilesNeverThrowAndYieldOnlyIdsTheyHold() {
    HostileText inputs =
        new HostileText(
            21,
            List.of(
                "0::/system.slice/docker-" + ID + ".scope",
                "9:name=systemd:/docker/" + ID + "\n0::/",
                "0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-" + ID + ".scope",
                "0::/user.slice/user-1000.slice/session-2.scope"));
    for (String input : inputs.take(INPUTS, 400)) {
      Optional<String> id = ProcFs.containerId(input);
      id.ifPresent(
          found ->
              assertThat(found).as("from %s", input).matches(CONTAINER_ID).isSubstringOf(input));
    }
  }

  @Test
  void dockerAnswersNeverThrowAndNameOnlyA200WithAName() {
    DockerNames docker = new DockerNames(Path.of("/nonexistent"));
    String ok =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"Id\":\""
            + ID
            + "\",\"Name\":\"/web-1\",\"Config\":{\"Labels\":{\"a\":\"b\"}}}";
    HostileText inputs =
        new HostileText(
            22,
            List.of(
                ok,
                "HTTP/1.1 404 Not Found\r\n\r\n{\"message\":\"No such container\"}",
                "HTTP/1.0 200\r\n\r\n[[[[{\"Name\":1}]]]]",
                "{\"Name\":\"/x\u001b[2J\"}"));
    for (String input : inputs.take(INPUTS, 600)) {
      assertThatCode(() -> docker.nameIn(input)).as("answer %s", input).doesNotThrowAnyException();
    }
    assertThat(docker.nameIn(ok)).contains("web-1");
    // A status line without a code used to escape as ArrayIndexOutOfBoundsException.
    assertThat(docker.nameIn("HTTP/1.1")).isEmpty();
    assertThat(docker.nameIn("HTTP/1.1\r\n\r\n{\"Name\":\"/x\"}")).isEmpty();
    // Nesting past Jackson's depth limit is a parse error, not a StackOverflowError.
    assertThat(docker.nameIn("HTTP/1.1 200 OK\r\n\r\n" + "[".repeat(200_000))).isEmpty();
    assertThat(docker.nameIn("HTTP/1.1 200 OK\r\n\r\n{\"Name\":\"/a\\u001b[2Jb\"}"))
        .contains("a\u001b[2Jb");
  }

  @Test
  void anAnswerThatNeverEndsIsReadNoFurtherThanTheBound(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("docker.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
      // 64 MiB, more than the bound by far, sent until the reader hangs up.
      CompletableFuture<Long> sent =
          CompletableFuture.supplyAsync(
              () -> {
                long total = 0;
                try (SocketChannel peer = server.accept()) {
                  ByteBuffer head =
                      ByteBuffer.wrap(
                          "HTTP/1.1 200 OK\r\n\r\n{\"Name\":\""
                              .getBytes(StandardCharsets.US_ASCII));
                  total += peer.write(head);
                  ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
                  while (total < 64L << 20) {
                    chunk.clear();
                    while (chunk.hasRemaining()) {
                      chunk.put((byte) 'x');
                    }
                    chunk.flip();
                    total += peer.write(chunk);
                  }
                } catch (IOException hungUp) {
                  // The reader stopped at its bound and closed.
                }
                return total;
              });

      assertThat(new DockerNames(socket).name(ID)).isEmpty();
      assertThat(sent.get(30, TimeUnit.SECONDS))
          .as("bytes the peer got out before the reader hung up")
          .isLessThan(8L << 20);
    }
  }
}
