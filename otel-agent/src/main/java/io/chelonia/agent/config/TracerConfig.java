package io.chelonia.agent.config;

import io.chelonia.agent.kernel.KernelOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * How the tracer runs: validated when built, never on the poll path.
 *
 * @param pollInterval how often the socket table is harvested into links
 * @param kernel sizes of the kernel maps
 * @param includeLoopback keep conversations over loopback addresses
 * @param includeSelf keep the agent's own connections
 */
public record TracerConfig(
    Duration pollInterval, KernelOptions kernel, boolean includeLoopback, boolean includeSelf) {
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(5);
  public static final Duration MIN_POLL_INTERVAL = Duration.ofMillis(100);

  public TracerConfig {
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(kernel, "kernel");
    if (pollInterval.compareTo(MIN_POLL_INTERVAL) < 0) {
      throw new IllegalArgumentException(
          "poll interval must be at least " + MIN_POLL_INTERVAL.toMillis() + " ms, was "
              + pollInterval.toMillis() + " ms");
    }
  }

  public static TracerConfig defaults() {
    return new TracerConfig(DEFAULT_POLL_INTERVAL, KernelOptions.defaults(), false, false);
  }
}
