package io.chelonia.agent.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake Kubernetes API server for the official Java client. fabric8's mock server in CRUD mode
 * keeps the objects (create, change and delete them with {@link #objects()}) and serves the REST
 * calls; a small HTTP front serves watches the way the real server does, as a streamed HTTP
 * response of one JSON event per line, from a watch cache: a log of the changes to each listed
 * resource, so a watch from a resource version gets every change after it, deletions included. The
 * caches look at the store again after each write to it.
 *
 * <p>The front is needed because the mock serves watches over WebSocket only (client-java, like
 * client-go, watches over HTTP), keeps no event history, and blocks its event loop for up to a
 * minute when a client closes a watch. The front ends each watch after its {@code timeoutSeconds}
 * and can make the watches in flight go silent.
 */
public final class FakeApiServer implements AutoCloseable {
  private static final Pattern TIMEOUT = Pattern.compile("(?:^|&)timeoutSeconds=(\\d+)");
  private static final Pattern RESOURCE_VERSION = Pattern.compile("(?:^|&)resourceVersion=(\\d+)");
  private static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(10);
  private static final long CACHE_REFRESH_MILLIS = 50;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The mock logs every request at INFO, and the watch cache lists every few milliseconds. */
  private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  private final KubernetesMockServer mock;
  private final NamespacedKubernetesClient objects;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(FORWARD_TIMEOUT).build();
  private final ExecutorService handlers = Executors.newCachedThreadPool(daemon("fake-api-server"));
  private final ScheduledExecutorService refresher =
      Executors.newSingleThreadScheduledExecutor(daemon("fake-api-server-watch-cache"));
  private final Map<String, WatchCache> caches = new ConcurrentHashMap<>();

  /** The store changed since the watch caches last looked. */
  private final AtomicBoolean written = new AtomicBoolean();

  private final Set<WatchStream> watches = ConcurrentHashMap.newKeySet();
  private final int port;
  private HttpServer front;

  /**
   * The mapper configured for Kubernetes objects, as KubernetesMockServer's own constructors use;
   * fabric8 8.0 deprecates its only public accessor without a replacement for a mock's Context.
   */
  @SuppressWarnings("deprecation")
  private static tools.jackson.databind.ObjectMapper kubernetesMapper() {
    return Serialization.jsonMapper();
  }

  private FakeApiServer() {
    mock =
        new KubernetesMockServer(
            new Context(kubernetesMapper()),
            new MockWebServer(),
            new HashMap<>(),
            new WritesSeen(),
            false);
    mock.init(InetAddress.getLoopbackAddress(), 0);
    objects = mock.createClient();
    // Once logging is set up (logback resets java.util.logging levels as it starts).
    MOCK_LOG.setLevel(Level.WARNING);
    port = startFront();
    refresher.scheduleWithFixedDelay(
        () -> {
          if (written.getAndSet(false)) {
            caches.values().forEach(WatchCache::refresh);
          }
        },
        CACHE_REFRESH_MILLIS,
        CACHE_REFRESH_MILLIS,
        TimeUnit.MILLISECONDS);
  }

  public static FakeApiServer start() {
    return new FakeApiServer();
  }

  /** The base URL to give the client. */
  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /** A client of the object store, to create, change and delete objects. */
  public NamespacedKubernetesClient objects() {
    return objects;
  }

  /**
   * The watches now open go silent and stay open, as a connection left half-open by a restart
   * behind a load balancer does: no event, no end. Later requests are served normally.
   */
  public void stallWatches() {
    watches.forEach(WatchStream::stall);
  }

  /** Watches being streamed now. */
  public int openWatches() {
    return watches.size();
  }

  @Override
  public synchronized void close() {
    front.stop(0);
    watches.forEach(WatchStream::end);
    refresher.shutdownNow();
    objects.close();
    mock.destroy();
    handlers.shutdownNow();
  }

  private synchronized int startFront() {
    try {
      front = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on the loopback", e);
    }
    front.setExecutor(handlers);
    front.createContext(
        "/",
        exchange -> {
          try (exchange) {
            String query = exchange.getRequestURI().getRawQuery();
            if (exchange.getRequestMethod().equals("GET")) {
              // The cache of a resource starts at its first list, so no later change is missed.
              cache(exchange.getRequestURI().getRawPath());
            }
            if (query != null && query.contains("watch=true")) {
              watch(exchange, query);
            } else {
              forward(exchange);
            }
          } catch (IOException | RuntimeException e) {
            // The front was stopped under a request, or the client went away: what a real server
            // shows the client too.
          }
        });
    front.start();
    return front.getAddress().getPort();
  }

  private WatchCache cache(String path) {
    return caches.computeIfAbsent(path, WatchCache::new);
  }

  private void forward(HttpExchange exchange) throws IOException {
    byte[] body = exchange.getRequestBody().readAllBytes();
    HttpRequest.Builder request =
        HttpRequest.newBuilder(mockUri(exchange.getRequestURI()))
            .timeout(FORWARD_TIMEOUT)
            .method(
                exchange.getRequestMethod(),
                body.length == 0
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    HttpResponse<byte[]> response = send(request.build());
    response
        .headers()
        .firstValue("Content-Type")
        .ifPresent(type -> exchange.getResponseHeaders().set("Content-Type", type));
    byte[] answer = response.body();
    exchange.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
    if (answer.length > 0) {
      exchange.getResponseBody().write(answer);
    }
  }

  private void watch(HttpExchange exchange, String query) throws IOException {
    Matcher timeout = TIMEOUT.matcher(query);
    long timeoutMillis = timeout.find() ? Long.parseLong(timeout.group(1)) * 1000 : Long.MAX_VALUE;
    Matcher version = RESOURCE_VERSION.matcher(query);
    long from = version.find() ? Long.parseLong(version.group(1)) : 0;
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(200, 0);
    WatchStream stream = new WatchStream(exchange.getResponseBody());
    WatchCache cache = cache(exchange.getRequestURI().getRawPath());
    watches.add(stream);
    try {
      cache.subscribe(stream, from);
      stream.awaitEnd(timeoutMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      cache.unsubscribe(stream);
      watches.remove(stream);
    }
  }

  private URI mockUri(URI request) {
    String query = request.getRawQuery() == null ? "" : "?" + request.getRawQuery();
    return URI.create("http://127.0.0.1:" + mock.getPort() + request.getRawPath() + query);
  }

  private HttpResponse<byte[]> send(HttpRequest request) throws IOException {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private static ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  /** The mock's CRUD store, telling the watch caches when it changed. */
  private final class WritesSeen extends KubernetesCrudDispatcher {
    @Override
    public MockResponse handleCreate(RecordedRequest request) {
      return written(super.handleCreate(request));
    }

    @Override
    public MockResponse handleUpdate(RecordedRequest request) {
      return written(super.handleUpdate(request));
    }

    @Override
    public MockResponse handlePatch(RecordedRequest request) {
      return written(super.handlePatch(request));
    }

    @Override
    public MockResponse handleDelete(String path) {
      return written(super.handleDelete(path));
    }

    private MockResponse written(MockResponse response) {
      written.set(true);
      return response;
    }
  }

  private record Event(long version, boolean deletion, String line) {}

  /**
   * The changes to one resource, as the API server's watch cache keeps them: the objects are listed
   * from the store every few milliseconds and each difference becomes an event, numbered by the
   * object's resource version (a deletion by the list's).
   */
  private final class WatchCache {
    private final String path;
    private final List<Event> log = new ArrayList<>();
    private final Map<String, JsonNode> known = new HashMap<>();
    private final Set<WatchStream> subscribers = ConcurrentHashMap.newKeySet();
    private long version;

    WatchCache(String path) {
      this.path = path;
      refresh();
    }

    synchronized void refresh() {
      JsonNode list;
      try {
        HttpResponse<byte[]> response =
            send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mock.getPort() + path))
                    .timeout(FORWARD_TIMEOUT)
                    .build());
        if (response.statusCode() != 200) {
          return;
        }
        list = JSON.readTree(response.body());
      } catch (IOException e) {
        return;
      }
      long listVersion = list.path("metadata").path("resourceVersion").asLong();
      String itemKind = list.path("kind").asText().replaceFirst("List$", "");
      Map<String, JsonNode> now = new HashMap<>();
      List<Event> fresh = new ArrayList<>();
      for (JsonNode item : list.path("items")) {
        // List items carry no kind; watch events do.
        ((ObjectNode) item)
            .put("kind", itemKind)
            .put("apiVersion", list.path("apiVersion").asText());
        String uid = item.path("metadata").path("uid").asText();
        long itemVersion = item.path("metadata").path("resourceVersion").asLong();
        now.put(uid, item);
        JsonNode before = known.get(uid);
        if (before == null) {
          fresh.add(event(itemVersion, "ADDED", item));
        } else if (before.path("metadata").path("resourceVersion").asLong() != itemVersion) {
          fresh.add(event(itemVersion, "MODIFIED", item));
        }
      }
      known.forEach(
          (uid, item) -> {
            if (!now.containsKey(uid)) {
              ((ObjectNode) item.path("metadata"))
                  .put("resourceVersion", Long.toString(listVersion));
              fresh.add(event(listVersion, "DELETED", item));
            }
          });
      known.clear();
      known.putAll(now);
      fresh.sort(Comparator.comparingLong(Event::version));
      log.addAll(fresh);
      version = Math.max(version, listVersion);
      for (Event event : fresh) {
        subscribers.forEach(stream -> stream.send(event.line()));
      }
    }

    synchronized void subscribe(WatchStream stream, long from) {
      for (Event event : log) {
        // The store does not advance its version on a deletion, so a deletion can carry the
        // version the watcher listed at: sent again, it is a no-op for a watcher that saw it.
        if (event.version() > from || event.deletion() && event.version() == from) {
          stream.send(event.line());
        }
      }
      subscribers.add(stream);
    }

    void unsubscribe(WatchStream stream) {
      subscribers.remove(stream);
    }

    private Event event(long version, String type, JsonNode object) {
      ObjectNode event = JSON.createObjectNode().put("type", type);
      event.set("object", object);
      return new Event(version, type.equals("DELETED"), event.toString() + "\n");
    }
  }

  /** One watch: events written as lines of the HTTP response until it ends. */
  private static final class WatchStream {
    private final OutputStream out;
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile boolean stalled;

    WatchStream(OutputStream out) {
      this.out = out;
    }

    void send(String line) {
      if (stalled || ended.getCount() == 0) {
        return;
      }
      try {
        synchronized (out) {
          out.write(line.getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
      } catch (IOException e) {
        end();
      }
    }

    void stall() {
      stalled = true;
    }

    void end() {
      ended.countDown();
    }

    /** Until the stream ends, or its time is up unless it stalled (a stalled one never ends). */
    void awaitEnd(long timeoutMillis) throws InterruptedException {
      if (!ended.await(timeoutMillis, TimeUnit.MILLISECONDS) && stalled) {
        ended.await();
      }
    }
  }
}
