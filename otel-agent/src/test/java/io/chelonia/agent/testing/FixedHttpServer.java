package io.chelonia.agent.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A loopback HTTP server answering every request with the same status, type and body: a static
 * metrics endpoint for Prometheus to scrape, or a "Prometheus" answering garbage.
 */
public final class FixedHttpServer implements AutoCloseable {
  private final HttpServer server;
  private volatile int status;
  private volatile String contentType;
  private volatile String body;

  private FixedHttpServer(HttpServer server, int status, String contentType, String body) {
    this.server = server;
    this.status = status;
    this.contentType = contentType;
    this.body = body;
  }

  /** Listens on {@code port} of loopback (0: any free port). */
  public static FixedHttpServer start(int port, int status, String contentType, String body) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on port " + port, e);
    }
    FixedHttpServer fixed = new FixedHttpServer(server, status, contentType, body);
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            byte[] bytes = fixed.body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", fixed.contentType);
            exchange.sendResponseHeaders(fixed.status, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(bytes);
            }
          }
        });
    server.start();
    return fixed;
  }

  /** From now on, answers this instead. */
  public void answer(int status, String contentType, String body) {
    this.status = status;
    this.contentType = contentType;
    this.body = body;
  }

  /** {@code 127.0.0.1:port}, as a scrape target. */
  public String target() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
