package io.chelonia.agent.link;

import io.chelonia.agent.kernel.KernelOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * What the pipeline runs with, validated when built, never on the poll path.
 *
 * @param pollInterval how often the kernel is harvested into links
 * @param linkIdleExpiry a link with no open connection and no traffic for this long is forgotten;
 *     if it comes back it starts a new series
 * @param kernel sizes of the kernel maps
 * @param includeLoopback keep conversations over loopback addresses
 * @param includeSelf keep the agent's own connections
 * @param serviceBackends look up in connection tracking where connections to a Kubernetes Service
 *     went, and name the server end by that backend
 */
public record PipelineConfig(
    Duration pollInterval,
    Duration linkIdleExpiry,
    KernelOptions kernel,
    boolean includeLoopback,
    boolean includeSelf,
    boolean serviceBackends) {
  /** In seconds, as the command line takes it. */
  public static final int DEFAULT_POLL_INTERVAL_SECONDS = 5;

  public static final Duration DEFAULT_POLL_INTERVAL =
      Duration.ofSeconds(DEFAULT_POLL_INTERVAL_SECONDS);
  public static final Duration MIN_POLL_INTERVAL = Duration.ofMillis(100);

  /** In seconds, as the command line takes it. */
  public static final int DEFAULT_LINK_IDLE_EXPIRY_SECONDS = 3600;

  public static final Duration DEFAULT_LINK_IDLE_EXPIRY =
      Duration.ofSeconds(DEFAULT_LINK_IDLE_EXPIRY_SECONDS);

  /** With Service backends looked up, as by default. */
  public PipelineConfig(
      Duration pollInterval,
      Duration linkIdleExpiry,
      KernelOptions kernel,
      boolean includeLoopback,
      boolean includeSelf) {
    this(pollInterval, linkIdleExpiry, kernel, includeLoopback, includeSelf, true);
  }

  public PipelineConfig {
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(linkIdleExpiry, "linkIdleExpiry");
    Objects.requireNonNull(kernel, "kernel");
    if (pollInterval.compareTo(MIN_POLL_INTERVAL) < 0) {
      throw new IllegalArgumentException(
          "poll interval must be at least "
              + MIN_POLL_INTERVAL.toMillis()
              + " ms, was "
              + pollInterval.toMillis()
              + " ms");
    }
    if (linkIdleExpiry.isNegative() || linkIdleExpiry.isZero()) {
      throw new IllegalArgumentException(
          "link idle expiry must be positive, was " + linkIdleExpiry);
    }
  }

  /** The command line's defaults: loopback and the agent's own connections left out. */
  public static PipelineConfig defaults() {
    return new PipelineConfig(
        DEFAULT_POLL_INTERVAL, DEFAULT_LINK_IDLE_EXPIRY, KernelOptions.defaults(), false, false);
  }

  public PipelineConfig withKernel(KernelOptions kernel) {
    return new PipelineConfig(
        pollInterval, linkIdleExpiry, kernel, includeLoopback, includeSelf, serviceBackends);
  }

  public PipelineConfig withLoopback(boolean includeLoopback) {
    return new PipelineConfig(
        pollInterval, linkIdleExpiry, kernel, includeLoopback, includeSelf, serviceBackends);
  }
}
