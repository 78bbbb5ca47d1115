package io.chelonia.agent.export;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.Data;
import io.opentelemetry.sdk.metrics.data.GaugeData;
import io.opentelemetry.sdk.metrics.data.HistogramData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.metrics.data.SumData;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * A reader that shows each new link series at zero the first time it collects it, and its real
 * values from the next collection on. Prometheus' {@code increase()} and {@code rate()} cannot tell
 * what a series carried before its first sample: a short connection that makes a new link arrives
 * with all its bytes in that first sample and would be invisible to every dashboard built on them.
 * A zero first sample makes the whole total an increase. It costs one collection interval (scrape
 * or push) of freshness, for new series only.
 *
 * <p>Each reader keeps its own memory of the series it collected (a Prometheus scrape and an OTLP
 * push each see the zero), and forgets a series it did not collect last time: a series that comes
 * back is a new link (its totals restarted), shown at zero again. One reader may have several
 * collectors: every Prometheus scraping the endpoint (an HA pair), a {@code curl}. For each of them
 * to see the zero, a series stays at zero for a hold (the longest scrape interval) after the
 * reader's first collection of it.
 */
final class NewSeriesAtZero implements MetricReader {
  private final MetricReader reader;
  private final Set<String> metrics;
  private final long holdNanos;
  private final LongSupplier nanoTime;
  // Per metric, per series: when this reader first collected it (nanoTime).
  private Map<String, Map<Attributes, Long>> collected = new HashMap<>();

  /**
   * @param metrics names of the metrics whose new series start at zero (the link metrics: the
   *     agent's own counters are left as they are)
   * @param hold how long a new series stays at zero after its first collection; zero: at the first
   *     collection only
   * @param nanoTime the clock {@code hold} is measured on
   */
  NewSeriesAtZero(MetricReader reader, Set<String> metrics, Duration hold, LongSupplier nanoTime) {
    if (hold.isNegative()) {
      throw new IllegalArgumentException("hold must not be negative, was " + hold);
    }
    this.reader = reader;
    this.metrics = Set.copyOf(metrics);
    this.holdNanos = hold.toNanos();
    this.nanoTime = nanoTime;
  }

  /** A new series at zero at this reader's first collection of it only. */
  NewSeriesAtZero(MetricReader reader, Set<String> metrics) {
    this(reader, metrics, Duration.ZERO, System::nanoTime);
  }

  @Override
  public void register(CollectionRegistration registration) {
    reader.register(
        new CollectionRegistration() {
          @Override
          public Collection<MetricData> collectAllMetrics() {
            return rewrite(registration.collectAllMetrics());
          }
        });
  }

  /** Concurrent scrapes of one reader are serialised here: they share its memory. */
  synchronized Collection<MetricData> rewrite(Collection<MetricData> all) {
    long now = nanoTime.getAsLong();
    Map<String, Map<Attributes, Long>> seen = new HashMap<>();
    List<MetricData> out = new ArrayList<>(all.size());
    for (MetricData metric : all) {
      if (!metrics.contains(metric.getName())) {
        out.add(metric);
        continue;
      }
      Map<Attributes, Long> before = collected.getOrDefault(metric.getName(), Map.of());
      Map<Attributes, Long> first = seen.computeIfAbsent(metric.getName(), name -> new HashMap<>());
      Set<Attributes> held = new HashSet<>();
      for (PointData point : metric.getData().getPoints()) {
        Attributes series = point.getAttributes();
        Long since = before.get(series);
        first.put(series, since == null ? now : since);
        if (since == null || now - since < holdNanos) {
          held.add(series);
        }
      }
      out.add(held.isEmpty() ? metric : rewrite(metric, held));
    }
    collected = seen;
    return out;
  }

  private static MetricData rewrite(MetricData metric, Set<Attributes> held) {
    Data<?> data = metric.getData();
    Data<?> zeroed =
        switch (metric.getType()) {
          case LONG_SUM ->
              metric.getLongSumData().isMonotonic()
                  ? SumData.createLongSumData(
                      true,
                      metric.getLongSumData().getAggregationTemporality(),
                      zeroHeld(metric.getLongSumData().getPoints(), held, NewSeriesAtZero::zero))
                  : data;
          case LONG_GAUGE ->
              GaugeData.createLongGaugeData(
                  zeroHeld(metric.getLongGaugeData().getPoints(), held, NewSeriesAtZero::zero));
          case HISTOGRAM ->
              HistogramData.create(
                  metric.getHistogramData().getAggregationTemporality(),
                  zeroHeld(metric.getHistogramData().getPoints(), held, NewSeriesAtZero::zero));
          default -> data;
        };
    return zeroed == data
        ? metric
        : new MetricDataRecord(
            metric.getResource(),
            metric.getInstrumentationScopeInfo(),
            metric.getName(),
            metric.getDescription(),
            metric.getUnit(),
            metric.getType(),
            zeroed);
  }

  private static <P extends PointData> List<P> zeroHeld(
      Collection<P> points, Set<Attributes> held, UnaryOperator<P> zero) {
    List<P> out = new ArrayList<>(points.size());
    for (P point : points) {
      out.add(held.contains(point.getAttributes()) ? zero.apply(point) : point);
    }
    return out;
  }

  private static LongPointData zero(LongPointData p) {
    return LongPointData.create(p.getStartEpochNanos(), p.getEpochNanos(), p.getAttributes(), 0);
  }

  private static HistogramPointData zero(HistogramPointData p) {
    return HistogramPointData.create(
        p.getStartEpochNanos(),
        p.getEpochNanos(),
        p.getAttributes(),
        0,
        false,
        0,
        false,
        0,
        p.getBoundaries(),
        Collections.nCopies(p.getCounts().size(), 0L));
  }

  @Override
  public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
    return reader.getAggregationTemporality(instrumentType);
  }

  @Override
  public Aggregation getDefaultAggregation(InstrumentType instrumentType) {
    return reader.getDefaultAggregation(instrumentType);
  }

  @Override
  public MemoryMode getMemoryMode() {
    return reader.getMemoryMode();
  }

  @Override
  public CompletableResultCode forceFlush() {
    return reader.forceFlush();
  }

  @Override
  public CompletableResultCode shutdown() {
    return reader.shutdown();
  }

  @Override
  public String toString() {
    return "NewSeriesAtZero{" + reader + "}";
  }
}
