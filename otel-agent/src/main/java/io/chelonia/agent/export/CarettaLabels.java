package io.chelonia.agent.export;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.link.LinkKey;
import io.chelonia.agent.link.Observer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import java.nio.charset.StandardCharsets;

/**
 * The labels of Caretta's {@code caretta_links_observed} gauge, so dashboards written for Caretta
 * keep working: ends by namespace, kind and name (an unnamed end's kind is {@code node} or {@code
 * external}, as Caretta says it), numeric ids derived from them, the server port, and the role of
 * the observing side (1 client, 2 server).
 */
final class CarettaLabels {
  static final String METRIC = "caretta_links_observed";

  private CarettaLabels() {}

  static Attributes of(LinkKey key) {
    AttributesBuilder builder = Attributes.builder();
    end(builder, "client", key.client());
    end(builder, "server", key.server());
    builder.put("server_port", String.valueOf(key.serverPort()));
    builder.put("role", key.observer() == Observer.CLIENT ? "1" : "2");
    builder.put(
        "link_id",
        id(key.client() + ">" + key.server() + ":" + key.serverPort() + "/" + key.observer()));
    return builder.build();
  }

  private static void end(AttributesBuilder builder, String side, Endpoint end) {
    builder.put(AttributeKey.stringKey(side + "_namespace"), end.namespace());
    builder.put(AttributeKey.stringKey(side + "_kind"), kind(end));
    builder.put(AttributeKey.stringKey(side + "_name"), end.name());
    builder.put(AttributeKey.stringKey(side + "_id"), id(end.toString()));
  }

  private static String kind(Endpoint end) {
    return switch (end.kind()) {
      case Endpoint.KIND_HOST -> "node";
      case Endpoint.KIND_EXTERNAL -> "external";
      default -> end.kind();
    };
  }

  /** A stable 32-bit FNV-1a id, printed unsigned like Caretta's. */
  static String id(String text) {
    int hash = 0x811c9dc5;
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= 0x01000193;
    }
    return Integer.toUnsignedString(hash);
  }
}
