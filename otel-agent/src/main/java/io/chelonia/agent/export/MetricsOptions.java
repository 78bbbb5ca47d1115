package io.chelonia.agent.export;

/**
 * How links become metrics; validated when built.
 *
 * @param seriesLimit attribute sets per metric, the overflow series included, as the SDK's
 *     cardinality limit counts them: links past it are summed into the overflow series
 * @param carettaCompatible also serve Caretta's {@code caretta_links_observed} gauge on the
 *     Prometheus endpoint
 */
public record MetricsOptions(int seriesLimit, boolean carettaCompatible) {
  /** The OpenTelemetry SDK's default cardinality limit. */
  public static final int DEFAULT_SERIES_LIMIT = 2000;

  public MetricsOptions {
    if (seriesLimit < 2) {
      throw new IllegalArgumentException(
          "series limit must be at least 2 (one link and the overflow), was " + seriesLimit);
    }
  }

  public static MetricsOptions defaults() {
    return new MetricsOptions(DEFAULT_SERIES_LIMIT, false);
  }
}
