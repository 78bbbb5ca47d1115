package io.chelonia.agent.identity.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Container names from the Docker Engine API on its unix socket ({@code GET /containers/ID/json}).
 * The JDK's HTTP client does not speak over unix sockets, so this sends the one HTTP/1.0 request by
 * hand; called off the poll thread only.
 */
final class DockerNames {
  static final Path DEFAULT_SOCKET = Path.of("/var/run/docker.sock");

  /**
   * A container's inspect answer is a few KiB; whatever answers on the socket is read no further
   * than this, so a runaway or hostile peer cannot fill the heap.
   */
  static final int MAX_RESPONSE_BYTES = 1 << 20;

  private final Path socket;

  DockerNames(Path socket) {
    this.socket = socket;
  }

  /** The container's name without Docker's leading slash, empty when Docker does not know it. */
  Optional<String> name(String containerId) {
    if (!Files.exists(socket)) {
      return Optional.empty();
    }
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      String request = "GET /containers/" + containerId + "/json HTTP/1.0\r\nHost: docker\r\n\r\n";
      channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
      ByteArrayOutputStream response = new ByteArrayOutputStream();
      ByteBuffer buffer = ByteBuffer.allocate(8192);
      while (channel.read(buffer) > 0) {
        response.write(buffer.array(), 0, buffer.position());
        buffer.clear();
        if (response.size() > MAX_RESPONSE_BYTES) {
          return Optional.empty();
        }
      }
      return nameIn(response.toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * The container's name in the Engine's whole HTTP answer: empty unless it is a 200 whose JSON
   * body has a textual {@code Name}. Any text at all is safe to pass.
   */
  Optional<String> nameIn(String response) {
    int body = response.indexOf("\r\n\r\n");
    String[] status = response.split(" ", 3);
    if (!response.startsWith("HTTP/1.")
        || status.length < 2
        || !status[1].equals("200")
        || body < 0) {
      return Optional.empty();
    }
    try {
      JsonNode name = Json.MAPPER.readTree(response.substring(body + 4)).path("Name");
      return name.isTextual()
          ? Optional.of(name.asText().replaceFirst("^/", ""))
          : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Built at the first container asked about, not with the agent: an ObjectMapper loads most of
   * jackson-databind (about 300 classes, 2 MiB of metaspace), which a node without Docker never
   * needs.
   */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }
}
