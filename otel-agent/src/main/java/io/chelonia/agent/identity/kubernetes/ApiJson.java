package io.chelonia.agent.identity.kubernetes;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;

/**
 * Reading the API server's JSON as it streams in, a field at a time: the readers of each kind skip
 * ({@link JsonReader#skipValue}) whatever they do not keep, without decoding it, and read a null as
 * absent.
 */
final class ApiJson {
  private ApiJson() {}

  /** Reads one field of an object, given its name, or skips its value. */
  @FunctionalInterface
  interface FieldReader {
    void read(String name) throws IOException;
  }

  /** Reads one value: an array's element, or the field {@link #field} picked. */
  @FunctionalInterface
  interface ValueReader {
    void read() throws IOException;
  }

  /** An object's fields, each read (or skipped) by {@code field}; null reads as no field. */
  static void fields(JsonReader in, FieldReader field) throws IOException {
    if (isNull(in)) {
      return;
    }
    in.beginObject();
    while (in.hasNext()) {
      field.read(in.nextName());
    }
    in.endObject();
  }

  /** An array's elements, each read by {@code element}; null reads as no element. */
  static void elements(JsonReader in, ValueReader element) throws IOException {
    if (isNull(in)) {
      return;
    }
    in.beginArray();
    while (in.hasNext()) {
      element.read();
    }
    in.endArray();
  }

  /** The one field {@code name} of an object read by {@code value}; the others skipped. */
  static void field(JsonReader in, String name, ValueReader value) throws IOException {
    fields(
        in,
        field -> {
          if (field.equals(name)) {
            value.read();
          } else {
            in.skipValue();
          }
        });
  }

  /** Whether the next value is null, which is then read. */
  static boolean isNull(JsonReader in) throws IOException {
    if (in.peek() == JsonToken.NULL) {
      in.nextNull();
      return true;
    }
    return false;
  }

  /** A string; empty for null. */
  static String string(JsonReader in) throws IOException {
    return isNull(in) ? "" : in.nextString();
  }

  /**
   * A string many objects share (a namespace, a node, a phase, an owner's name): one String for all
   * of them, collected when none is left ({@link String#intern}).
   */
  static String shared(JsonReader in) throws IOException {
    return string(in).intern();
  }

  static boolean bool(JsonReader in) throws IOException {
    return !isNull(in) && in.nextBoolean();
  }

  static int integer(JsonReader in) throws IOException {
    return isNull(in) ? 0 : in.nextInt();
  }
}
