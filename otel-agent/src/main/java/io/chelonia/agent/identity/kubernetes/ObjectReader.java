package io.chelonia.agent.identity.kubernetes;

import com.google.gson.stream.JsonReader;
import java.io.IOException;

/** Reads one object of a kind, as the API server sends it, into what the cache keeps of it. */
@FunctionalInterface
interface ObjectReader<T extends CachedObject> {
  T read(JsonReader in) throws IOException;
}
