package io.chelonia.agent.export;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps a push exporter (OTLP): counts failed exports, says once when exports start failing and
 * once when they work again (no line per retry), and keeps the Caretta gauge, which belongs to the
 * Prometheus endpoint, out of the push. Totals are cumulative, so the first export after an outage
 * carries everything: nothing to replay.
 */
final class MonitoredMetricExporter implements MetricExporter {
  private static final Logger LOG = LoggerFactory.getLogger(MonitoredMetricExporter.class);

  private final MetricExporter delegate;
  private final AtomicLong failures;
  private final AtomicBoolean failing = new AtomicBoolean();

  MonitoredMetricExporter(MetricExporter delegate, AtomicLong failures) {
    this.delegate = delegate;
    this.failures = failures;
  }

  @Override
  public CompletableResultCode export(Collection<MetricData> metrics) {
    List<MetricData> pushed = new ArrayList<>(metrics.size());
    for (MetricData metric : metrics) {
      if (!metric.getName().equals(CarettaLabels.METRIC)) {
        pushed.add(metric);
      }
    }
    CompletableResultCode result = delegate.export(pushed);
    result.whenComplete(
        () -> {
          if (result.isSuccess()) {
            if (failing.getAndSet(false)) {
              LOG.info(
                  "metrics export works again; the totals sent include everything since the outage");
            }
          } else {
            failures.incrementAndGet();
            if (!failing.getAndSet(true)) {
              Throwable cause = result.getFailureThrowable();
              LOG.warn(
                  "metrics export failed{}{}; retrying at every export interval, totals are kept",
                  cause == null ? "" : ": " + cause.getMessage(),
                  tlsHint(cause));
            }
          }
        });
    return result;
  }

  /** A refused TLS handshake: what the user can check, since the SDK's message names no setting. */
  static String tlsHint(Throwable cause) {
    for (int depth = 0; cause != null && depth < 8; depth++, cause = cause.getCause()) {
      if (cause instanceof SSLException) {
        return " (TLS: the Collector's certificate must be signed by the CA of"
            + " OTEL_EXPORTER_OTLP_CERTIFICATE and name the endpoint's host; with client"
            + " certificates, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE must be signed by the CA the"
            + " Collector trusts)";
      }
    }
    return "";
  }

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
    return delegate.getAggregationTemporality(instrumentType);
  }

  @Override
  public Aggregation getDefaultAggregation(InstrumentType instrumentType) {
    return delegate.getDefaultAggregation(instrumentType);
  }

  @Override
  public MemoryMode getMemoryMode() {
    return delegate.getMemoryMode();
  }

  @Override
  public CompletableResultCode flush() {
    return delegate.flush();
  }

  @Override
  public CompletableResultCode shutdown() {
    return delegate.shutdown();
  }
}
