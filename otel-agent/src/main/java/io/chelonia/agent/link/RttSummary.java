package io.chelonia.agent.link;

import java.util.Collections;
import java.util.List;

/**
 * Smoothed-RTT samples of a link's sockets (one per socket per poll in which it moved data),
 * summarised as a histogram over fixed bucket boundaries.
 *
 * @param samples how many samples
 * @param sumMicros their sum, for the mean
 * @param minMicros the smallest, 0 when there is none
 * @param maxMicros the largest, 0 when there is none
 * @param bucketCounts samples per bucket: {@code BOUNDARIES_MICROS.size() + 1} counts, bucket i
 *     holding samples in (boundary[i-1], boundary[i]], the last one those above every boundary
 */
public record RttSummary(
    long samples, long sumMicros, long minMicros, long maxMicros, List<Long> bucketCounts) {

  /** From a fast LAN to an intercontinental link: 100 µs to 2.5 s. */
  public static final List<Long> BOUNDARIES_MICROS =
      List.of(
          100L,
          250L,
          500L,
          1_000L,
          2_500L,
          5_000L,
          10_000L,
          25_000L,
          50_000L,
          100_000L,
          250_000L,
          500_000L,
          1_000_000L,
          2_500_000L);

  public static final RttSummary EMPTY =
      new RttSummary(0, 0, 0, 0, Collections.nCopies(BOUNDARIES_MICROS.size() + 1, 0L));

  public RttSummary {
    bucketCounts = List.copyOf(bucketCounts);
    if (bucketCounts.size() != BOUNDARIES_MICROS.size() + 1) {
      throw new IllegalArgumentException(
          "expected "
              + (BOUNDARIES_MICROS.size() + 1)
              + " bucket counts, got "
              + bucketCounts.size());
    }
  }

  /** Both summaries' samples together. */
  public RttSummary combine(RttSummary other) {
    if (other.samples == 0) {
      return this;
    }
    if (samples == 0) {
      return other;
    }
    Long[] counts = new Long[bucketCounts.size()];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = bucketCounts.get(i) + other.bucketCounts.get(i);
    }
    return new RttSummary(
        samples + other.samples,
        sumMicros + other.sumMicros,
        Math.min(minMicros, other.minMicros),
        Math.max(maxMicros, other.maxMicros),
        List.of(counts));
  }

  public double meanMicros() {
    return samples == 0 ? 0 : (double) sumMicros / samples;
  }

  /** The bucket a sample falls in. */
  static int bucketOf(long micros) {
    int bucket = 0;
    while (bucket < BOUNDARIES_MICROS.size() && micros > BOUNDARIES_MICROS.get(bucket)) {
      bucket++;
    }
    return bucket;
  }
}
