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

  private final Path socket;
  private final ObjectMapper json = new ObjectMapper();

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
      }
      String text = response.toString(StandardCharsets.UTF_8);
      int body = text.indexOf("\r\n\r\n");
      if (!text.startsWith("HTTP/1.") || !text.split(" ", 3)[1].equals("200") || body < 0) {
        return Optional.empty();
      }
      JsonNode name = json.readTree(text.substring(body + 4)).path("Name");
      return name.isTextual()
          ? Optional.of(name.asText().replaceFirst("^/", ""))
          : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
