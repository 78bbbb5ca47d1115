package io.chelonia.agent.identity.kubernetes;

import java.time.Duration;

/**
 * How informers talk to the API server over time.
 *
 * @param watchTimeout the longest a watch is asked to last; the server ends it then and the
 *     informer watches again, so a healthy informer calls the server at least this often
 * @param staleAfter an informer that made no call for this long is taken as stopped and restarted
 *     (client-java informers have been seen to stop silently after API server timeouts and
 *     restarts: kubernetes-client/java issues 2151 and 2678)
 * @param retryMin the wait after the first failed call
 * @param retryMax the longest wait between calls while the server keeps failing
 * @param pingInterval how often the connection to the API server is pinged (HTTP/2); one not
 *     answered by the next ping is closed, failing the calls on it
 */
record InformerTiming(
    Duration watchTimeout,
    Duration staleAfter,
    Duration retryMin,
    Duration retryMax,
    Duration pingInterval) {
  static final InformerTiming DEFAULT =
      new InformerTiming(
          Duration.ofMinutes(5),
          Duration.ofMinutes(12),
          Duration.ofSeconds(1),
          Duration.ofSeconds(30),
          Duration.ofSeconds(30));

  InformerTiming {
    if (watchTimeout.toSeconds() < 1) {
      throw new IllegalArgumentException("watch timeout must be at least 1 s: " + watchTimeout);
    }
    if (retryMin.isNegative() || retryMax.compareTo(retryMin) < 0) {
      throw new IllegalArgumentException("retry waits must grow: " + retryMin + ", " + retryMax);
    }
    if (pingInterval.toMillis() < 1) {
      throw new IllegalArgumentException("ping interval must be positive: " + pingInterval);
    }
    // A healthy informer is silent for up to a watch, plus a retry wait when a call failed.
    if (staleAfter.compareTo(watchTimeout.plus(retryMax)) <= 0) {
      throw new IllegalArgumentException(
          "staleAfter must exceed watchTimeout + retryMax: " + staleAfter);
    }
  }

  /** The wait before the next call after {@code failures} failed calls in a row. */
  Duration retryAfter(int failures) {
    if (failures == 0) {
      return Duration.ZERO;
    }
    Duration wait = retryMin.multipliedBy(1L << Math.min(failures - 1, 20));
    return wait.compareTo(retryMax) > 0 ? retryMax : wait;
  }
}
