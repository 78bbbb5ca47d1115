package io.chelonia.agent.cli;

import io.chelonia.agent.kernel.KernelOptions;
import io.chelonia.agent.link.PipelineConfig;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Options of the pipeline, shared by every command that attaches the probes. Negatable switches
 * carry {@code fallbackValue = "true"}: without it picocli sets a switch to the opposite of its
 * default, so {@code --no-x} would do nothing when x defaults to true.
 */
final class PipelineOptions {
  @Option(
      names = "--poll-interval",
      paramLabel = "SECONDS",
      defaultValue =
          "${env:CHELONIA_POLL_INTERVAL:-" + PipelineConfig.DEFAULT_POLL_INTERVAL_SECONDS + "}",
      description =
          "Seconds between harvests of the kernel's socket table (default: ${DEFAULT-VALUE}).")
  double pollIntervalSeconds;

  @Option(
      names = "--link-idle-expiry",
      paramLabel = "SECONDS",
      defaultValue =
          "${env:CHELONIA_LINK_IDLE_EXPIRY:-"
              + PipelineConfig.DEFAULT_LINK_IDLE_EXPIRY_SECONDS
              + "}",
      description =
          "Forget a link idle this long with no open connection (default: ${DEFAULT-VALUE}).")
  long linkIdleExpirySeconds;

  @Option(
      names = "--include-loopback",
      negatable = true,
      fallbackValue = "true",
      defaultValue = "${env:CHELONIA_INCLUDE_LOOPBACK:-false}",
      description = "Keep conversations over 127.0.0.0/8 and ::1 (default: ${DEFAULT-VALUE}).")
  boolean includeLoopback;

  @Option(
      names = "--include-self",
      negatable = true,
      fallbackValue = "true",
      defaultValue = "${env:CHELONIA_INCLUDE_SELF:-false}",
      description = "Keep the agent's own connections (default: ${DEFAULT-VALUE}).")
  boolean includeSelf;

  @Option(
      names = "--service-backends",
      negatable = true,
      fallbackValue = "true",
      defaultValue = "${env:CHELONIA_SERVICE_BACKENDS:-true}",
      description =
          "Name a connection to a Kubernetes Service by the backend that answered, looked up in"
              + " the kernel's connection tracking; the Service stays an attribute"
              + " (default: ${DEFAULT-VALUE}).")
  boolean serviceBackends;

  @Option(
      names = "--udp",
      negatable = true,
      fallbackValue = "true",
      defaultValue = "${env:CHELONIA_UDP:-false}",
      description =
          "Map UDP links too (bytes and datagrams each way); adds a program to every sendmsg and"
              + " recvmsg call, TCP's too, see README (default: ${DEFAULT-VALUE}).")
  boolean udp;

  @Option(
      names = "--max-sockets",
      defaultValue = "${env:CHELONIA_MAX_SOCKETS:-" + KernelOptions.DEFAULT_MAX_SOCKETS + "}",
      description =
          "Sockets the kernel tracks at once, 0 for no limit; past it new sockets are"
              + " counted, not tracked (default: ${DEFAULT-VALUE}).")
  int maxSockets;

  @Option(
      names = "--max-listeners",
      defaultValue = "${env:CHELONIA_MAX_LISTENERS:-" + KernelOptions.DEFAULT_MAX_LISTENERS + "}",
      description = "Listening ports remembered across namespaces (default: ${DEFAULT-VALUE}).")
  int maxListeners;

  @Option(
      names = "--ring-buffer-bytes",
      defaultValue =
          "${env:CHELONIA_RING_BUFFER_BYTES:-" + KernelOptions.DEFAULT_RING_BUFFER_BYTES + "}",
      description = "Ring buffer for closed sockets, a power of two (default: ${DEFAULT-VALUE}).")
  int ringBufferBytes;

  @Option(
      names = "--duration",
      paramLabel = "SECONDS",
      description = "Stop by itself after this many seconds (default: run until interrupted).")
  Double durationSeconds;

  PipelineConfig toConfig() {
    return new PipelineConfig(
        Duration.ofMillis(Math.round(pollIntervalSeconds * 1000)),
        Duration.ofSeconds(linkIdleExpirySeconds),
        new KernelOptions(maxSockets, maxListeners, ringBufferBytes, false, udp),
        includeLoopback,
        includeSelf,
        serviceBackends);
  }

  /** How long to run, empty for until interrupted. */
  Optional<Duration> duration() {
    if (durationSeconds == null) {
      return Optional.empty();
    }
    if (durationSeconds <= 0) {
      throw new IllegalArgumentException("--duration must be positive, was " + durationSeconds);
    }
    return Optional.of(Duration.ofNanos(Math.round(durationSeconds * 1e9)));
  }
}
