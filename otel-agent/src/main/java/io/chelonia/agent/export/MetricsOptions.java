package io.chelonia.agent.export;

import java.time.Duration;
import java.util.Objects;

/**
 * How links become metrics; validated when built.
 *
 * @param seriesLimit attribute sets per metric, the overflow series included, as the SDK's
 *     cardinality limit counts them: links past it are summed into the overflow series
 * @param carettaCompatible also serve Caretta's {@code caretta_links_observed} gauge on the
 *     Prometheus endpoint
 * @param scrapeInterval the longest scrape interval of the Prometheus servers scraping the
 *     endpoint: a new link series stays at zero on the endpoint that long, so that each of them
 *     sees its zero sample; zero: at the endpoint's first collection of it only
 * @param rttBuckets how the RTT histogram is exported: sum and count only, or with buckets
 * @param observers which observers of a link export it: once (the client's, or the server's for an
 *     external client), or all
 */
public record MetricsOptions(
    int seriesLimit,
    boolean carettaCompatible,
    Duration scrapeInterval,
    RttBuckets rttBuckets,
    Observers observers) {
  /** The OpenTelemetry SDK's default cardinality limit. */
  public static final int DEFAULT_SERIES_LIMIT = 2000;

  /** A new series at zero at the endpoint's first scrape only: one Prometheus scrapes it. */
  public static final long DEFAULT_SCRAPE_INTERVAL_SECONDS = 0;

  public static final Duration DEFAULT_SCRAPE_INTERVAL =
      Duration.ofSeconds(DEFAULT_SCRAPE_INTERVAL_SECONDS);

  /** Sum and count only: a link costs 8 series, not 22 (per observer, failures aside). */
  public static final RttBuckets DEFAULT_RTT_BUCKETS = RttBuckets.NONE;

  /** Each link exported once, by the agent that observes its client when there is one. */
  public static final Observers DEFAULT_OBSERVERS = Observers.ONCE;

  private static final Duration MAX_SCRAPE_INTERVAL = Duration.ofHours(1);

  public MetricsOptions {
    if (seriesLimit < 2) {
      throw new IllegalArgumentException(
          "series limit must be at least 2 (one link and the overflow), was " + seriesLimit);
    }
    Objects.requireNonNull(scrapeInterval, "scrapeInterval");
    Objects.requireNonNull(rttBuckets, "rttBuckets");
    Objects.requireNonNull(observers, "observers");
    if (scrapeInterval.isNegative() || scrapeInterval.compareTo(MAX_SCRAPE_INTERVAL) > 0) {
      throw new IllegalArgumentException(
          "scrape interval must be between 0 and 3600 seconds, was "
              + scrapeInterval.toSeconds()
              + " s");
    }
  }

  public MetricsOptions(int seriesLimit, boolean carettaCompatible) {
    this(
        seriesLimit,
        carettaCompatible,
        DEFAULT_SCRAPE_INTERVAL,
        DEFAULT_RTT_BUCKETS,
        DEFAULT_OBSERVERS);
  }

  /** These options with the RTT histogram exported as {@code buckets} says. */
  public MetricsOptions withRttBuckets(RttBuckets buckets) {
    return new MetricsOptions(seriesLimit, carettaCompatible, scrapeInterval, buckets, observers);
  }

  /** These options with links exported by {@code which} observers. */
  public MetricsOptions withObservers(Observers which) {
    return new MetricsOptions(seriesLimit, carettaCompatible, scrapeInterval, rttBuckets, which);
  }

  public static MetricsOptions defaults() {
    return new MetricsOptions(DEFAULT_SERIES_LIMIT, false);
  }
}
