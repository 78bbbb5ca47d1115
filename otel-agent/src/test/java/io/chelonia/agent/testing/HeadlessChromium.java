package io.chelonia.agent.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Debian's Chromium, headless, driven over the DevTools protocol (a WebSocket from java.net.http):
 * open a page, evaluate script in it, click where a user would, take a screenshot. Every wait is
 * bounded. Needs {@code /usr/bin/chromium} (apt-get install chromium); fails, never skips, without
 * it.
 */
public final class HeadlessChromium implements AutoCloseable {
  public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern LISTENING =
      Pattern.compile("DevTools listening on ws://[^:]+:(\\d+)/");

  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private final Process process;
  private final Path profile;
  private final int port;
  private final StringBuffer output = new StringBuffer();
  private WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> calls = new ConcurrentHashMap<>();

  /** Every event the page sent (method and params), in order. */
  private final List<JsonNode> events = new CopyOnWriteArrayList<>();

  private HeadlessChromium(Process process, Path profile, int port) {
    this.process = process;
    this.profile = profile;
    this.port = port;
  }

  /** Starts Chromium with a fresh profile and a window of {@code width} x {@code height}. */
  public static HeadlessChromium start(int width, int height) {
    if (!Files.isExecutable(CHROMIUM)) {
      throw new IllegalStateException(CHROMIUM + " is missing: apt-get install chromium");
    }
    Path profile;
    Process process;
    try {
      profile = Files.createTempDirectory("chelonia-chromium");
      // --no-sandbox: the tests run as root, which Chromium's sandbox refuses.
      process =
          new ProcessBuilder(
                  CHROMIUM.toString(),
                  "--headless",
                  "--no-sandbox",
                  "--disable-gpu",
                  "--no-first-run",
                  "--no-default-browser-check",
                  "--disable-extensions",
                  "--disable-background-networking",
                  "--remote-debugging-address=127.0.0.1",
                  "--remote-debugging-port=0",
                  "--user-data-dir=" + profile,
                  "--window-size=" + width + "," + height,
                  "about:blank")
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + CHROMIUM, e);
    }
    StringBuffer output = new StringBuffer();
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Thread.ofPlatform()
        .daemon()
        .name("chromium-output")
        .start(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                  output.append(line).append('\n');
                  Matcher listening = LISTENING.matcher(line);
                  if (listening.find()) {
                    port.complete(Integer.parseInt(listening.group(1)));
                  }
                }
              } catch (IOException e) {
                // Chromium ended: said below if it never listened.
              }
              port.completeExceptionally(new IllegalStateException("chromium ended: " + output));
            });
    try {
      HeadlessChromium chromium =
          new HeadlessChromium(
              process, profile, port.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
      chromium.output.append(output);
      return chromium;
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      process.destroyForcibly();
      deleteTree(profile);
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException(
          "chromium did not start its DevTools server within " + START_TIMEOUT + ": " + output, e);
    }
  }

  /** Opens {@code url} in a new tab and attaches to it; one page per browser. */
  public void open(String url) {
    if (socket != null) {
      throw new IllegalStateException("a page is open already");
    }
    try {
      HttpResponse<String> created =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + port + "/json/new?about:blank"))
                  .PUT(HttpRequest.BodyPublishers.noBody())
                  .timeout(CALL_TIMEOUT)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      String debugger = json.readTree(created.body()).path("webSocketDebuggerUrl").asText();
      socket =
          http.newWebSocketBuilder()
              .connectTimeout(CALL_TIMEOUT)
              .buildAsync(URI.create(debugger), new Listener())
              .get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (IOException | ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot attach to chromium on port " + port + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while attaching to chromium", e);
    }
    call("Page.enable", Map.of());
    call("Runtime.enable", Map.of());
    call("Page.navigate", Map.of("url", url));
  }

  /** Runs a DevTools command on the page and returns its result. */
  public JsonNode call(String method, Map<String, ?> params) {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    calls.put(id, answer);
    ObjectNode message = json.createObjectNode();
    message.put("id", id);
    message.put("method", method);
    message.set("params", json.valueToTree(params));
    try {
      socket.sendText(message.toString(), true).get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      JsonNode reply = answer.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      if (reply.has("error")) {
        throw new IllegalStateException(method + " failed: " + reply.get("error"));
      }
      return reply.path("result");
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          method + " got no answer within " + CALL_TIMEOUT + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during " + method, e);
    } finally {
      calls.remove(id);
    }
  }

  /** The value of a script expression (promises awaited), as JSON; a thrown error fails. */
  public JsonNode evaluate(String expression) {
    JsonNode result =
        call(
            "Runtime.evaluate",
            Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
    if (result.has("exceptionDetails")) {
      throw new IllegalStateException("script failed: " + result.get("exceptionDetails"));
    }
    return result.path("result").path("value");
  }

  /**
   * Evaluates {@code expression} until its value satisfies {@code condition}, at most {@code
   * timeout}.
   */
  public JsonNode awaitValue(String expression, Predicate<JsonNode> condition, Duration timeout) {
    JsonNode[] last = {null};
    return Await.until(
        timeout,
        Duration.ofMillis(200),
        () -> {
          last[0] = evaluate(expression);
          return condition.test(last[0])
              ? java.util.Optional.of(last[0])
              : java.util.Optional.empty();
        },
        () -> "no satisfying value of " + expression + " within " + timeout + "; last: " + last[0]);
  }

  /** A left click at page coordinates {@code x}, {@code y}, as a mouse gives it. */
  public void click(double x, double y) {
    call("Input.dispatchMouseEvent", Map.of("type", "mouseMoved", "x", x, "y", y));
    call(
        "Input.dispatchMouseEvent",
        Map.of(
            "type",
            "mousePressed",
            "x",
            x,
            "y",
            y,
            "button",
            "left",
            "buttons",
            1,
            "clickCount",
            1));
    call(
        "Input.dispatchMouseEvent",
        Map.of(
            "type",
            "mouseReleased",
            "x",
            x,
            "y",
            y,
            "button",
            "left",
            "buttons",
            0,
            "clickCount",
            1));
  }

  /** The mouse moved to {@code x}, {@code y} (hover). */
  public void hover(double x, double y) {
    call("Input.dispatchMouseEvent", Map.of("type", "mouseMoved", "x", x, "y", y));
  }

  /** Saves a PNG of the page as it is drawn now. */
  public void screenshot(Path file) {
    String png = call("Page.captureScreenshot", Map.of("format", "png")).path("data").asText();
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.write(file, Base64.getDecoder().decode(png));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** The events of the page whose method is {@code method}. */
  public List<JsonNode> events(String method) {
    return events.stream().filter(event -> event.path("method").asText().equals(method)).toList();
  }

  @Override
  public void close() {
    if (socket != null) {
      socket.abort();
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    deleteTree(profile);
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // A helper process of Chromium may still be writing there: a temporary profile left
      // behind is not worth failing a test for.
    }
  }

  /** Joins fragmented messages, answers calls, keeps events. */
  private final class Listener implements WebSocket.Listener {
    private final StringBuilder message = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      message.append(data);
      if (last) {
        try {
          JsonNode node = json.readTree(message.toString());
          if (node.has("id")) {
            CompletableFuture<JsonNode> call = calls.get(node.get("id").asInt());
            if (call != null) {
              call.complete(node);
            }
          } else {
            events.add(node);
          }
        } catch (IOException e) {
          events.add(
              json.createObjectNode().put("method", "unparsable").put("text", message.toString()));
        }
        message.setLength(0);
      }
      webSocket.request(1);
      return null;
    }
  }
}
