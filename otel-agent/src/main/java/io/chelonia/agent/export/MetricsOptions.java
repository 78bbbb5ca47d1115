package io.chelonia.agent.export;

import java.time.Duration;
import java.util.Objects;

/**
 * How links become metrics; validated when built.
 *
 * @param seriesLimit attribute sets per metric, the overflow series included, as the SDK's
 *     cardinality limit counts them: links past it are summed into the overflow series
 * @param linkIdleExpiry a link with no open connection and no traffic for this long is
 *     forgotten; if it comes back it starts a new series
 * @param carettaCompatible also serve Caretta's {@code caretta_links_observed} gauge on the
 *     Prometheus endpoint
 */
public record MetricsOptions(int seriesLimit, Duration linkIdleExpiry, boolean carettaCompatible) {
  /** The OpenTelemetry SDK's default cardinality limit. */
  public static final int DEFAULT_SERIES_LIMIT = 2000;
  public static final Duration DEFAULT_LINK_IDLE_EXPIRY = Duration.ofHours(1);

  public MetricsOptions {
    Objects.requireNonNull(linkIdleExpiry, "linkIdleExpiry");
    if (seriesLimit < 2) {
      throw new IllegalArgumentException("series limit must be at least 2 (one link and the overflow), was " + seriesLimit);
    }
    if (linkIdleExpiry.isNegative() || linkIdleExpiry.isZero()) {
      throw new IllegalArgumentException("link idle expiry must be positive, was " + linkIdleExpiry);
    }
  }

  public static MetricsOptions defaults() {
    return new MetricsOptions(DEFAULT_SERIES_LIMIT, DEFAULT_LINK_IDLE_EXPIRY, false);
  }
}
