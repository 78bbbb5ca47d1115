package io.chelonia.agent.lifecycle;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Map;

/**
 * The agent's logging, set up in code rather than from a {@code logback.xml}: reading XML loads
 * logback's Joran configurator and the JDK's XML parser, about 500 classes (3 MiB of metaspace and
 * symbols) that every agent would keep for its whole life. Found by logback through {@code
 * META-INF/services}; a file named by {@code -Dlogback.configurationFile} still replaces all of
 * this.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {
  /** Logs go to stderr: stdout carries the link table or JSON, and nothing else. */
  static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n";

  /**
   * Levels by logger, below the root's ({@code CHELONIA_LOG_LEVEL}, INFO by default). client-java's
   * informers narrate every list and watch at INFO, and log their own stop (an interrupt) as an
   * error with a stack trace: the agent says when the API server stops and starts answering. A
   * failed OTLP export is said in one line by MonitoredMetricExporter when exports start failing
   * and once when they work again; the SDK's exporters would add a stack trace per failure and the
   * reader a line per export interval.
   */
  static final Map<String, Level> QUIET =
      Map.of(
          "io.kubernetes.client", Level.WARN,
          "io.kubernetes.client.informer.cache.Controller", Level.OFF,
          "io.opentelemetry.exporter.otlp.internal.GrpcExporter", Level.OFF,
          "io.opentelemetry.exporter.otlp.internal.HttpExporter", Level.OFF,
          "io.opentelemetry.sdk.metrics.export.PeriodicMetricReader", Level.ERROR);

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    // java.util.logging (the OpenTelemetry SDK) is bridged to SLF4J; keep JUL's levels in step.
    LevelChangePropagator jul = new LevelChangePropagator();
    jul.setContext(context);
    jul.setResetJUL(true);
    jul.start();
    context.addListener(jul);

    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("STDERR");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();

    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(stderr);
    root.setLevel(level("CHELONIA_LOG_LEVEL", Level.INFO));
    context
        .getLogger("io.chelonia.agent.kernel.libbpf")
        .setLevel(level("CHELONIA_LIBBPF_LOG_LEVEL", Level.WARN));
    QUIET.forEach((name, level) -> context.getLogger(name).setLevel(level));
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** The level a variable names (a system property of that name first, as logback.xml read it). */
  private static Level level(String variable, Level fallback) {
    String value = System.getProperty(variable, System.getenv(variable));
    return value == null || value.isBlank() ? fallback : Level.toLevel(value.trim(), fallback);
  }
}
