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
 * Keeps the pipeline's last poll for the map, encoded once per poll on the poll thread, so a page
 * that asks often costs the agent nothing more than sending bytes.
 */
public final class LatestPoll implements PollListener, LinkSource {
  private final LinkJson json = new LinkJson();
  private final Duration pollInterval;
  private volatile Snapshot latest = Snapshot.EMPTY;

  /** {@code pollInterval}: the pipeline's, so the page asks once per poll. */
  public LatestPoll(Duration pollInterval) {
    this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
  }

  @Override
  public void onPoll(LinkPoll poll) {
    List<LinkRow> rows = new ArrayList<>(poll.links().size());
    for (Link link : poll.links()) {
      rows.add(new LinkRow(link.key(), json.toJson(poll.time(), link)));
    }
    latest = new Snapshot(Optional.of(poll.time()), rows);
  }

  @Override
  public Snapshot snapshot() {
    return latest;
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
