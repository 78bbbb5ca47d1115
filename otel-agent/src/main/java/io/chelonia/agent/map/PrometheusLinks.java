package io.chelonia.agent.map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.link.FailureReason;
import io.chelonia.agent.link.LinkKey;
import io.chelonia.agent.link.NetworkType;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.link.Transport;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The whole cluster's links from the series the Collector remote-wrote to Prometheus, each link
 * counted once as the Grafana dashboards count it (dashboards/generate.py): the client's view of
 * every link, and the server's view only of links whose client is outside the cluster. Series of
 * the same link from several nodes are summed. The overflow series, which has no link, is left out.
 */
public final class PrometheusLinks implements LinkSource {
  static final String LINK_LABELS =
      "client_k8s_namespace_name, client_k8s_workload_kind,"
          + " client_k8s_workload_name, server_k8s_namespace_name, server_k8s_workload_kind,"
          + " server_k8s_workload_name, server_port, network_transport, network_type,"
          + " chelonia_observer";
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final int QUOTED_BODY_CHARS = 120;

  private final ObjectMapper mapper = new ObjectMapper();
  private final LinkJson json = new LinkJson();
  private final URI queryUri;
  private final String shownUrl;
  private final Duration refreshInterval;
  private final HttpClient client;

  /** {@code prometheus}: the server's base URL, e.g. {@code http://prometheus:9090}. */
  public PrometheusLinks(URI prometheus, Duration refreshInterval) {
    String scheme = prometheus.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme) || prometheus.getHost() == null) {
      throw new IllegalArgumentException("--prometheus must be an http(s) URL, was " + prometheus);
    }
    if (refreshInterval.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException(
          "--refresh must be at least 1 second, was " + refreshInterval);
    }
    String base = prometheus.toString().replaceAll("/+$", "");
    this.queryUri = URI.create(base + "/api/v1/query");
    this.shownUrl = base;
    this.refreshInterval = refreshInterval;
    this.client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  }

  @Override
  public Snapshot snapshot() {
    Instant time = Instant.now();
    Map<LinkKey, Totals> links = new LinkedHashMap<>();
    add(
        "chelonia_link_bytes_total",
        "network_io_direction",
        links,
        (totals, sample) -> {
          if (sample.extra().equals("transmit")) {
            totals.bytesClientToServer += sample.count();
          } else if (sample.extra().equals("receive")) {
            totals.bytesServerToClient += sample.count();
          }
        });
    add("chelonia_link_connections_total", null, links, (t, s) -> t.connectionsOpened += s.count());
    add("chelonia_link_active", null, links, (t, s) -> t.activeConnections += s.count());
    add("chelonia_link_retransmits_total", null, links, (t, s) -> t.retransmits += s.count());
    add(
        "chelonia_link_connection_failures_total",
        "error_type",
        links,
        (t, s) ->
            byValue(FailureReason.values(), FailureReason::value, s.extra())
                .ifPresent(r -> t.failures.merge(r, s.count(), Long::sum)));
    add("chelonia_link_rtt_seconds_sum", null, links, (t, s) -> t.rttSumSeconds += s.value());
    add("chelonia_link_rtt_seconds_count", null, links, (t, s) -> t.rttSamples += s.count());
    List<LinkRow> rows = new ArrayList<>(links.size());
    links.forEach(
        (key, totals) -> rows.add(new LinkRow(key, totals.toJson(json.keyFields(time, key)))));
    return new Snapshot(Optional.of(time), rows);
  }

  @Override
  public Duration refreshInterval() {
    return refreshInterval;
  }

  @Override
  public String name() {
    return "prometheus";
  }

  /**
   * Sums {@code metric} by link (and {@code extra}), counting each link once, into {@code links}.
   */
  private void add(
      String metric, String extra, Map<LinkKey, Totals> links, BiConsumer<Totals, Sample> into) {
    String by = extra == null ? LINK_LABELS : LINK_LABELS + ", " + extra;
    String query =
        "sum by ("
            + by
            + ") ("
            + metric
            + "{chelonia_observer=\"client\"} or "
            + metric
            + "{chelonia_observer=\"server\",client_k8s_namespace_name=\"external\"})";
    for (JsonNode series : vector(query)) {
      JsonNode labels = series.path("metric");
      Optional<LinkKey> key = key(labels);
      if (key.isEmpty()) {
        continue;
      }
      JsonNode value = series.path("value");
      double number;
      try {
        number = Double.parseDouble(value.path(1).asText(""));
      } catch (NumberFormatException e) {
        throw garbage("a sample value that is no number: " + value);
      }
      into.accept(
          links.computeIfAbsent(key.get(), k -> new Totals()),
          new Sample(extra == null ? "" : labels.path(extra).asText(""), number));
    }
  }

  /** The result of an instant query that must be a vector. */
  private JsonNode vector(String query) {
    URI uri = URI.create(queryUri + "?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
    HttpResponse<String> response;
    try {
      response =
          client.send(
              HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new SourceUnavailableException(
          "Prometheus at " + shownUrl + " is unreachable: " + reason(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SourceUnavailableException("interrupted while asking Prometheus at " + shownUrl);
    }
    JsonNode body;
    try {
      body = mapper.readTree(response.body());
    } catch (IOException e) {
      throw garbage("HTTP " + response.statusCode() + ", not JSON: " + quote(response.body()));
    }
    if (body == null || !body.isObject()) {
      throw garbage(
          "HTTP " + response.statusCode() + ", not a query result: " + quote(response.body()));
    }
    if (!"success".equals(body.path("status").asText())) {
      throw new SourceUnavailableException(
          "Prometheus at "
              + shownUrl
              + " refused the query (HTTP "
              + response.statusCode()
              + "): "
              + quote(body.path("error").asText(response.body())));
    }
    JsonNode data = body.path("data");
    if (!"vector".equals(data.path("resultType").asText()) || !data.path("result").isArray()) {
      throw garbage("a result that is not an instant vector: " + quote(data.toString()));
    }
    return data.path("result");
  }

  /** The first message along the causes (the JDK's client wraps "Connection refused"). */
  private static String reason(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause.getMessage() != null && !cause.getMessage().isBlank()) {
        return cause.getMessage();
      }
    }
    return e.getClass().getSimpleName();
  }

  private SourceUnavailableException garbage(String what) {
    return new SourceUnavailableException("Prometheus at " + shownUrl + " answered " + what);
  }

  private static String quote(String text) {
    String line = text.replaceAll("\\s+", " ").strip();
    return line.length() > QUOTED_BODY_CHARS ? line.substring(0, QUOTED_BODY_CHARS) + "..." : line;
  }

  /** The link of a series; empty for a series that is no link (the overflow series). */
  private static Optional<LinkKey> key(JsonNode labels) {
    Optional<NetworkType> networkType =
        byValue(NetworkType.values(), NetworkType::value, labels.path("network_type").asText(""));
    Optional<Observer> observer =
        byValue(Observer.values(), Observer::value, labels.path("chelonia_observer").asText(""));
    // Series from agents older than UDP links carry no transport: theirs is TCP.
    Optional<Transport> transport =
        byValue(
            Transport.values(),
            Transport::value,
            labels.path("network_transport").asText(Transport.TCP.value()));
    int port;
    try {
      port = Integer.parseInt(labels.path("server_port").asText(""));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    if (networkType.isEmpty()
        || transport.isEmpty()
        || observer.isEmpty()
        || !labels.has("client_k8s_workload_name")
        || !labels.has("server_k8s_workload_name")) {
      return Optional.empty();
    }
    return Optional.of(
        new LinkKey(
            endpoint(labels, "client"),
            endpoint(labels, "server"),
            port,
            networkType.get(),
            observer.get(),
            Optional.empty(),
            transport.get()));
  }

  private static Endpoint endpoint(JsonNode labels, String end) {
    return new Endpoint(
        labels.path(end + "_k8s_namespace_name").asText(""),
        labels.path(end + "_k8s_workload_kind").asText(""),
        labels.path(end + "_k8s_workload_name").asText(""));
  }

  /** The constant of {@code values} whose attribute value is {@code text}. */
  private static <E extends Enum<E>> Optional<E> byValue(
      E[] values, Function<E, String> value, String text) {
    for (E constant : values) {
      if (value.apply(constant).equals(text)) {
        return Optional.of(constant);
      }
    }
    return Optional.empty();
  }

  /** One series' value, and its direction or error type. */
  private record Sample(String extra, double value) {
    long count() {
      return Math.round(value);
    }
  }

  /** One link's sums, as they come in query by query. */
  private static final class Totals {
    long bytesClientToServer;
    long bytesServerToClient;
    long connectionsOpened;
    long activeConnections;
    final Map<FailureReason, Long> failures = new EnumMap<>(FailureReason.class);
    long retransmits;
    double rttSumSeconds;
    long rttSamples;

    /**
     * The {@code links --json} fields; what Prometheus does not keep (the RTT's smallest and
     * largest sample, when the link was first and last seen) is null.
     */
    ObjectNode toJson(ObjectNode node) {
      LinkJson.counters(
          node,
          bytesClientToServer,
          bytesServerToClient,
          connectionsOpened,
          activeConnections,
          failures,
          retransmits);
      ObjectNode rtt = node.putObject("rtt");
      rtt.put("samples", rttSamples);
      rtt.put("mean_us", rttSamples == 0 ? 0 : rttSumSeconds * 1e6 / rttSamples);
      rtt.putNull("min_us");
      rtt.putNull("max_us");
      node.putNull("first_seen");
      node.putNull("last_seen");
      return node;
    }
  }
}
