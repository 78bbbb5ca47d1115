package io.chelonia.agent.map;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.link.LinkKey;
import io.chelonia.agent.link.Observer;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The filter of {@code /api/links}: {@code namespace} and {@code name} match either end, {@code
 * port} the server's port, {@code observer} the end that saw the link. Anything else is refused
 * with {@link IllegalArgumentException} and one line saying what was wrong.
 */
record LinkQuery(
    Optional<String> namespace,
    Optional<String> name,
    Optional<Integer> port,
    Optional<Observer> observer) {
  static final List<String> PARAMETERS = List.of("namespace", "name", "port", "observer");
  static final LinkQuery ALL =
      new LinkQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

  /** Parses a raw (still encoded) query string; null or empty is every link. */
  static LinkQuery parse(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return ALL;
    }
    Map<String, String> values = new HashMap<>();
    for (String pair : rawQuery.split("&", -1)) {
      int equals = pair.indexOf('=');
      String key = decode(equals < 0 ? pair : pair.substring(0, equals));
      String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
      if (!PARAMETERS.contains(key)) {
        throw new IllegalArgumentException(
            "unknown query parameter '"
                + printable(key)
                + "': expected "
                + String.join(", ", PARAMETERS));
      }
      if (values.put(key, value) != null) {
        throw new IllegalArgumentException("query parameter '" + key + "' given twice");
      }
    }
    return new LinkQuery(
        Optional.ofNullable(values.get("namespace")),
        Optional.ofNullable(values.get("name")),
        Optional.ofNullable(values.get("port")).map(LinkQuery::port),
        Optional.ofNullable(values.get("observer")).map(LinkQuery::observer));
  }

  boolean matches(LinkKey key) {
    return namespace.map(ns -> either(key, ns, Endpoint::namespace)).orElse(true)
        && name.map(n -> either(key, n, Endpoint::name)).orElse(true)
        && port.map(p -> key.serverPort() == p).orElse(true)
        && observer.map(o -> key.observer() == o).orElse(true);
  }

  private static boolean either(
      LinkKey key, String value, java.util.function.Function<Endpoint, String> field) {
    return field.apply(key.client()).equals(value) || field.apply(key.server()).equals(value);
  }

  private static int port(String text) {
    try {
      int port = Integer.parseInt(text);
      if (port >= 1 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new IllegalArgumentException(
        "port must be a number from 1 to 65535, was '" + printable(text) + "'");
  }

  private static Observer observer(String text) {
    for (Observer observer : Observer.values()) {
      if (observer.value().equals(text)) {
        return observer;
      }
    }
    throw new IllegalArgumentException(
        "observer must be client or server, was '" + printable(text) + "'");
  }

  private static String decode(String text) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("malformed query string: " + e.getMessage());
    }
  }

  /** What the client sent, cut short and on one line, to quote in the answer. */
  private static String printable(String text) {
    String line = text.replaceAll("\\p{Cntrl}", "?");
    return line.length() > 64 ? line.substring(0, 64) + "..." : line;
  }
}
