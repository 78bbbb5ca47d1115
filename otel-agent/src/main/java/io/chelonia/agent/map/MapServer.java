package io.chelonia.agent.map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.chelonia.agent.lifecycle.DaemonThreads;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The map page and its data, on the JDK's HTTP server: read-only (GET and HEAD; anything else is
 * 405), static files from the jar, and {@code /api/links} from a {@link LinkSource}.
 */
public final class MapServer implements AutoCloseable {
  /** The WebJar's version (pom.xml, cytoscape.version): its files are served from the jar. */
  static final String CYTOSCAPE_VERSION = "3.33.1";

  private static final String WEBJAR = "/META-INF/resources/webjars/cytoscape/" + CYTOSCAPE_VERSION;
  private static final Logger LOG = LoggerFactory.getLogger(MapServer.class);
  private static final String JSON = "application/json; charset=utf-8";
  private static final String TEXT = "text/plain; charset=utf-8";

  /** Path -> resource in the jar and its content type. */
  private static final Map<String, String[]> FILES =
      Map.of(
          "/", new String[] {"index.html", "text/html; charset=utf-8"},
          "/map.js", new String[] {"map.js", "text/javascript; charset=utf-8"},
          "/map.css", new String[] {"map.css", "text/css; charset=utf-8"},
          "/vendor/cytoscape.min.js",
              new String[] {WEBJAR + "/dist/cytoscape.min.js", "text/javascript; charset=utf-8"},
          "/vendor/cytoscape-LICENSE.txt", new String[] {WEBJAR + "/LICENSE", TEXT});

  /**
   * Scripts only from the agent itself: a name that slipped into markup still could not run.
   * Cytoscape sets inline styles on its canvas, hence 'unsafe-inline' for styles only.
   */
  private static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self';"
          + " style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:;"
          + " frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

  private final LinkSource source;
  private final HttpServer server;
  private final ExecutorService executor;

  private MapServer(LinkSource source, HttpServer server, ExecutorService executor) {
    this.source = source;
    this.server = server;
    this.executor = executor;
  }

  /** Serves the page of {@code source}'s links on {@code options}' address and port. */
  public static MapServer start(MapOptions options, LinkSource source) {
    InetSocketAddress address;
    try {
      address = new InetSocketAddress(InetAddress.getByName(options.bindAddress()), options.port());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(
          "map bind address " + options.bindAddress() + " is unknown");
    }
    HttpServer server;
    try {
      server = HttpServer.create(address, 0);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot serve the map on " + options.bindAddress() + ":" + options.port(), e);
    }
    // One thread: a page asks once per poll, and a Prometheus query should not run twice at once.
    ExecutorService executor =
        Executors.newSingleThreadExecutor(DaemonThreads.named("chelonia-map"));
    MapServer map = new MapServer(source, server, executor);
    server.createContext("/", map::handle);
    server.setExecutor(executor);
    server.start();
    return map;
  }

  /** The port listened on (the one asked for, or the one given for port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
      exchange.getResponseHeaders().set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
      exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, 405, TEXT, "method " + method + " not allowed: the map is read-only\n");
        return;
      }
      String path = exchange.getRequestURI().getRawPath();
      if (path.equals("/api/links")) {
        links(exchange);
        return;
      }
      String[] file = FILES.get(path);
      if (file == null) {
        send(exchange, 404, TEXT, "not found: " + path + "\n");
        return;
      }
      send(exchange, 200, file[1], resource(file[0]));
    } catch (IOException | RuntimeException e) {
      // A client that went away mid-answer, mostly; the server goes on either way.
      LOG.debug("map request failed: {}", e.toString());
    }
  }

  private void links(HttpExchange exchange) throws IOException {
    LinkQuery query;
    try {
      query = LinkQuery.parse(exchange.getRequestURI().getRawQuery());
    } catch (IllegalArgumentException e) {
      sendError(exchange, 400, e.getMessage());
      return;
    }
    LinkSource.Snapshot snapshot;
    try {
      snapshot = source.snapshot();
    } catch (SourceUnavailableException e) {
      sendError(exchange, 502, e.getMessage());
      return;
    }
    ObjectNode answer = JsonNodeFactory.instance.objectNode();
    answer.put("source", source.name());
    answer.put("time", snapshot.time().map(Object::toString).orElse(null));
    answer.put("refresh_seconds", refreshSeconds());
    ArrayNode links = answer.putArray("links");
    for (LinkRow row : snapshot.rows()) {
      if (query.matches(row.key())) {
        links.add(row.json());
      }
    }
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    send(exchange, 200, JSON, Json.MAPPER.writeValueAsBytes(answer));
  }

  /**
   * An error as {"error": "one line", "refresh_seconds": ...}: the page shows the line as it is and
   * asks again after that long.
   */
  private void sendError(HttpExchange exchange, int status, String message) throws IOException {
    ObjectNode error = JsonNodeFactory.instance.objectNode();
    error.put("error", message);
    error.put("refresh_seconds", refreshSeconds());
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    send(exchange, status, JSON, Json.MAPPER.writeValueAsBytes(error));
  }

  private double refreshSeconds() {
    return source.refreshInterval().toMillis() / 1000.0;
  }

  private static void send(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    send(exchange, status, type, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = MapServer.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("the jar lacks the map's " + name);
      }
      return in.readAllBytes();
    }
  }

  /** Stops listening at once (a request under way is cut short) and ends its thread. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  /**
   * Built at the first answer, not with the server: an ObjectMapper loads most of jackson-databind
   * (about 300 classes, 2 MiB of metaspace), which an agent whose map nobody opens never needs.
   */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }
}
