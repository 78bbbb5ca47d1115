package io.chelonia.agent.export;

import java.util.Locale;

/**
 * How a link's RTT histogram is exported. Series are what a backend bills: the link's fixed buckets
 * are 15 of the 22 series one observer exports per link in Prometheus.
 */
public enum RttBuckets {
  /**
   * Sum and count only (a histogram with no boundaries): the mean RTT, in 3 Prometheus series
   * ({@code _sum}, {@code _count}, {@code _bucket{le="+Inf"}}).
   */
  NONE,
  /** The link's 14 fixed boundaries, 100 µs to 2.5 s: percentiles, in 17 Prometheus series. */
  EXPLICIT;

  /** From its name on the command line, {@code none} or {@code explicit}. */
  public static RttBuckets parse(String name) {
    for (RttBuckets buckets : values()) {
      if (buckets.cliName().equals(name)) {
        return buckets;
      }
    }
    throw new IllegalArgumentException("--rtt-buckets must be none or explicit, was " + name);
  }

  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
