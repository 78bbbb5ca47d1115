package io.chelonia.agent.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LogSetupTest {
  @Test
  void theAgentsLoggingIsSetUpInCodeOneLinePerEventOnStderr() {
    LoggerContext context = new LoggerContext();
    LogSetup setup = new LogSetup();
    setup.setContext(context);

    assertThat(setup.configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    assertThat(root.getLevel()).isEqualTo(Level.INFO);
    ConsoleAppender<ILoggingEvent> stderr =
        (ConsoleAppender<ILoggingEvent>) root.getAppender("STDERR");
    assertThat(stderr.isStarted()).isTrue();
    assertThat(stderr.getTarget()).isEqualTo("System.err");
    assertThat(((PatternLayoutEncoder) stderr.getEncoder()).getPattern())
        .isEqualTo("%d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n");
    assertThat(context.getLogger("io.chelonia.agent.kernel.libbpf").getLevel())
        .isEqualTo(Level.WARN);
    assertThat(context.getLogger("io.kubernetes.client").getLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger("io.kubernetes.client.informer.cache.Controller").getLevel())
        .isEqualTo(Level.OFF);
    assertThat(context.getLogger("io.opentelemetry.exporter.otlp.internal.GrpcExporter").getLevel())
        .isEqualTo(Level.OFF);
    assertThat(
            context
                .getLogger("io.opentelemetry.sdk.metrics.export.PeriodicMetricReader")
                .getLevel())
        .isEqualTo(Level.ERROR);
  }

  @Test
  void logbackFindsItInsteadOfAnXmlFile() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    assertThat(context.getLogger("io.opentelemetry.exporter.otlp.internal.HttpExporter").getLevel())
        .isEqualTo(Level.OFF);
    assertThat(LogSetupTest.class.getResource("/logback.xml")).isNull();
  }
}
