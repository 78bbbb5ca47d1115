package io.chelonia.agent.link;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;

/**
 * One poll of the pipeline, as everyone after it sees it: the metrics, the views.
 *
 * @param time when the kernel was harvested
 * @param duration how long the whole poll took: refresh, harvest, fold, expiry
 * @param namespaces network namespaces refreshed in this poll
 * @param kernelDrops what the kernel programs could not record, since load
 * @param links every link's totals after this poll
 * @param expired links forgotten in this poll as idle, with their final totals
 * @param table the link table's own figures
 */
public record LinkPoll(
    Instant time,
    Duration duration,
    int namespaces,
    KernelDrops kernelDrops,
    List<Link> links,
    List<Link> expired,
    TableCounters table) {

  /**
   * Read-only views, not copies: a poll can carry 100,000 links, and the lists come fresh from the
   * table, which keeps no reference to them.
   */
  public LinkPoll {
    links = Collections.unmodifiableList(links);
    expired = Collections.unmodifiableList(expired);
  }
}
