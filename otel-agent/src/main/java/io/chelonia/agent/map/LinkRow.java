package io.chelonia.agent.map;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chelonia.agent.link.LinkKey;
import java.util.Objects;

/**
 * One link as the map serves it: its key, to filter by, and its JSON object.
 *
 * @param key who dialled whom on which port, seen from which end
 * @param json the {@code links --json} object of the link
 */
public record LinkRow(LinkKey key, ObjectNode json) {
  public LinkRow {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(json, "json");
  }
}
