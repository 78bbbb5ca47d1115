package io.chelonia.agent.identity.kubernetes;

import static io.chelonia.agent.identity.kubernetes.ApiJson.bool;
import static io.chelonia.agent.identity.kubernetes.ApiJson.isNull;
import static io.chelonia.agent.identity.kubernetes.ApiJson.shared;
import static io.chelonia.agent.identity.kubernetes.ApiJson.string;

import com.google.gson.stream.JsonReader;
import io.chelonia.agent.identity.kubernetes.ApiJson.FieldReader;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * What naming reads of an object's metadata, while its object is read: every kind takes from it
 * what it keeps. Labels are read only for the keys asked for.
 *
 * @param namespace empty for a cluster-scoped object
 * @param createdSeconds the creation time, in seconds since the epoch (0 when absent)
 * @param owner the controller among the owner references, else the first; null when none
 */
record MetadataFields(
    String namespace,
    String name,
    String uid,
    String resourceVersion,
    long createdSeconds,
    Owner owner,
    Map<String, String> labels) {
  private static final MetadataFields NONE = new MetadataFields("", "", "", "", 0, null, Map.of());

  /**
   * Reads an object of the API: its metadata here (labels only for {@code labelKeys}), every other
   * top-level field by {@code others}, which reads or skips it.
   */
  static MetadataFields readObject(JsonReader in, Set<String> labelKeys, FieldReader others)
      throws IOException {
    MetadataFields meta = NONE;
    in.beginObject();
    while (in.hasNext()) {
      String field = in.nextName();
      if (field.equals("metadata")) {
        meta = read(in, labelKeys);
      } else {
        others.read(field);
      }
    }
    in.endObject();
    return meta;
  }

  private static MetadataFields read(JsonReader in, Set<String> labelKeys) throws IOException {
    if (isNull(in)) {
      return NONE;
    }
    String namespace = "";
    String name = "";
    String uid = "";
    String resourceVersion = "";
    long createdSeconds = 0;
    Owner owner = null;
    Map<String, String> labels = Map.of();
    in.beginObject();
    while (in.hasNext()) {
      switch (in.nextName()) {
        case "namespace" -> namespace = shared(in);
        case "name" -> name = string(in);
        case "uid" -> uid = string(in);
        case "resourceVersion" -> resourceVersion = string(in);
        case "creationTimestamp" -> createdSeconds = seconds(string(in));
        case "ownerReferences" -> owner = controller(in);
        case "labels" -> labels = labels(in, labelKeys);
        default -> in.skipValue();
      }
    }
    in.endObject();
    return new MetadataFields(namespace, name, uid, resourceVersion, createdSeconds, owner, labels);
  }

  /** The reference naming follows: the controller, else the first; null when there is none. */
  private static Owner controller(JsonReader in) throws IOException {
    Owner first = null;
    Owner controller = null;
    if (isNull(in)) {
      return null;
    }
    in.beginArray();
    while (in.hasNext()) {
      String kind = "";
      String name = "";
      boolean isController = false;
      in.beginObject();
      while (in.hasNext()) {
        switch (in.nextName()) {
          case "kind" -> kind = shared(in);
          case "name" -> name = shared(in);
          case "controller" -> isController = bool(in);
          default -> in.skipValue();
        }
      }
      in.endObject();
      Owner owner = new Owner(kind, name);
      if (first == null) {
        first = owner;
      }
      if (isController && controller == null) {
        controller = owner;
      }
    }
    in.endArray();
    return controller != null ? controller : first;
  }

  private static Map<String, String> labels(JsonReader in, Set<String> keys) throws IOException {
    if (keys.isEmpty()) {
      in.skipValue();
      return Map.of();
    }
    Map<String, String> labels = new HashMap<>();
    if (isNull(in)) {
      return Map.of();
    }
    in.beginObject();
    while (in.hasNext()) {
      String key = in.nextName();
      if (keys.contains(key)) {
        labels.put(key, string(in));
      } else {
        in.skipValue();
      }
    }
    in.endObject();
    return Map.copyOf(labels);
  }

  /** RFC 3339, as Kubernetes writes times; 0 for what does not parse (only an order is needed). */
  private static long seconds(String time) {
    try {
      return time.isEmpty() ? 0 : Instant.parse(time).getEpochSecond();
    } catch (DateTimeParseException e) {
      return 0;
    }
  }
}
