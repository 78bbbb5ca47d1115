package io.chelonia.agent.identity.kubernetes;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.kubernetes.client.openapi.models.V1Status;
import io.kubernetes.client.util.Watch;
import io.kubernetes.client.util.Watchable;
import java.io.EOFException;
import java.io.IOException;
import java.io.StringReader;
import java.util.Iterator;
import okhttp3.Call;
import okhttp3.Response;

/**
 * The events of one watch call, each read from the stream as it arrives, its object straight into
 * what the cache keeps ({@link ObjectReader}); an {@code ERROR} event's object is the Status the
 * server ended the watch with. The stream is a sequence of JSON objects, one per event.
 *
 * <p>A failure to read while waiting for an event says "IO Exception during hasNext", as
 * client-java's own watch does: its reflector takes that for a broken watch, and lists again. An
 * event that cannot be read is a failure of the watch, which the reflector reports, and lists
 * again.
 */
final class WatchEvents<T extends CachedObject> implements Watchable<T> {
  private static final String ERROR = "ERROR";

  private final Call call;
  private final Response response;
  private final JsonReader in;
  private final ObjectReader<T> reader;
  private boolean begun;

  WatchEvents(Call call, Response response, ObjectReader<T> reader) {
    this.call = call;
    this.response = response;
    this.reader = reader;
    this.in = new JsonReader(response.body().charStream());
    in.setStrictness(Strictness.LENIENT); // one value after another
  }

  /** Blocks until the next event, or the end of the watch (the server's timeout, or a close). */
  @Override
  public boolean hasNext() {
    try {
      JsonToken next = in.peek();
      begun = true;
      return next != JsonToken.END_DOCUMENT;
    } catch (EOFException e) {
      if (!begun) {
        // A watch that ends without an event (nothing changed before the server's timeout): an
        // empty answer, which JsonReader takes for a document cut short.
        return false;
      }
      throw new RuntimeException("IO Exception during hasNext method.", e);
    } catch (IOException e) {
      throw new RuntimeException("IO Exception during hasNext method.", e);
    }
  }

  @Override
  public Watch.Response<T> next() {
    try {
      return readEvent();
    } catch (IOException | RuntimeException e) {
      // Gson's: a syntax error, a value of the wrong type, a number out of range.
      throw new IllegalStateException("unreadable watch event: " + e.getMessage(), e);
    }
  }

  @Override
  public Iterator<Watch.Response<T>> iterator() {
    return this;
  }

  /** Ends the watch, also while another thread waits on it. */
  @Override
  public void close() {
    call.cancel();
    response.close();
  }

  private Watch.Response<T> readEvent() throws IOException {
    String type = null;
    Watch.Response<T> event = null;
    JsonElement objectBeforeType = null;
    in.beginObject();
    while (in.hasNext()) {
      switch (in.nextName()) {
        case "type" -> type = ApiJson.string(in);
        case "object" -> {
          if (type == null) {
            objectBeforeType = JsonParser.parseReader(in);
          } else {
            event = event(type, in);
          }
        }
        default -> in.skipValue();
      }
    }
    in.endObject();
    if (objectBeforeType != null && type != null) {
      // The API server writes the type first; an object before it is read again once it is known.
      event = event(type, new JsonReader(new StringReader(objectBeforeType.toString())));
    }
    if (event == null) {
      throw new IllegalStateException("watch event without " + (type == null ? "type" : "object"));
    }
    return event;
  }

  private Watch.Response<T> event(String type, JsonReader object) throws IOException {
    return type.equals(ERROR)
        ? new Watch.Response<T>(type, status(object))
        : new Watch.Response<T>(type, reader.read(object));
  }

  /** A Status: the HTTP code, reason and message the watch ended with. */
  private static V1Status status(JsonReader in) throws IOException {
    V1Status status = new V1Status();
    ApiJson.fields(
        in,
        field -> {
          switch (field) {
            case "code" -> status.setCode(ApiJson.integer(in));
            case "reason" -> status.setReason(ApiJson.string(in));
            case "message" -> status.setMessage(ApiJson.string(in));
            default -> in.skipValue();
          }
        });
    return status;
  }
}
