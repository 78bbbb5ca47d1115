package io.chelonia.agent.map;

import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkPoll;
import io.chelonia.agent.link.PollListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Keeps the pipeline's last poll for the map. The poll thread only swaps a reference (a poll is
 * immutable, and the table keeps no reference to its lists); the links are encoded when a page
 * asks, on the map's thread, so an agent nobody looks at pays nothing for its map.
 */
public final class LatestPoll implements PollListener, LinkSource {
  private final LinkJson json = new LinkJson();
  private final Duration pollInterval;
  private volatile LinkPoll latest;

  /** {@code pollInterval}: the pipeline's, so the page asks once per poll. */
  public LatestPoll(Duration pollInterval) {
    this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
  }

  @Override
  public void onPoll(LinkPoll poll) {
    latest = poll;
  }

  @Override
  public Snapshot snapshot() {
    LinkPoll poll = latest;
    if (poll == null) {
      return Snapshot.EMPTY;
    }
    List<LinkRow> rows = new ArrayList<>(poll.links().size());
    for (Link link : poll.links()) {
      rows.add(new LinkRow(link.key(), json.toJson(poll.time(), link)));
    }
    return new Snapshot(Optional.of(poll.time()), rows);
  }

  @Override
  public Duration refreshInterval() {
    return pollInterval;
  }

  @Override
  public String name() {
    return "agent";
  }
}
