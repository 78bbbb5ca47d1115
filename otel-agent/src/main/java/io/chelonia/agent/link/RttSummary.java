package io.chelonia.agent.link;

/**
 * Smoothed-RTT samples of a link's sockets (one per socket per poll), summarised.
 *
 * @param samples how many samples
 * @param sumMicros their sum, for the mean
 * @param minMicros the smallest, 0 when there is none
 * @param maxMicros the largest, 0 when there is none
 */
public record RttSummary(long samples, long sumMicros, long minMicros, long maxMicros) {
  public static final RttSummary EMPTY = new RttSummary(0, 0, 0, 0);

  public RttSummary plus(long micros) {
    return new RttSummary(
        samples + 1,
        sumMicros + micros,
        samples == 0 ? micros : Math.min(minMicros, micros),
        Math.max(maxMicros, micros));
  }

  public double meanMicros() {
    return samples == 0 ? 0 : (double) sumMicros / samples;
  }
}
