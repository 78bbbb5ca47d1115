package io.chelonia.agent.map;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Where the map's links come from: this agent's last poll, or a Prometheus' series. */
public sealed interface LinkSource permits LatestPoll, PrometheusLinks {
  /** The links now; throws {@link SourceUnavailableException} when they cannot be had. */
  Snapshot snapshot();

  /** How often the page should ask again. */
  Duration refreshInterval();

  /** The source's name in {@code /api/links}: {@code agent} or {@code prometheus}. */
  String name();

  /**
   * The links at one moment.
   *
   * @param time when they were taken; empty before the agent's first poll
   * @param rows every link
   */
  public record Snapshot(Optional<Instant> time, List<LinkRow> rows) {
    static final Snapshot EMPTY = new Snapshot(Optional.empty(), List.of());

    public Snapshot {
      rows = List.copyOf(rows);
    }
  }
}
