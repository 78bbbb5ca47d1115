import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.exporter.prometheus.PrometheusHttpServer;
import io.opentelemetry.sdk.metrics.*;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import java.time.Duration;
import java.util.Random;

/**
 * One link's RTT as an OpenTelemetry base-2 exponential histogram and as an explicit one, 1,000
 * samples from 100 µs to 50 ms, on a Prometheus endpoint and pushed over OTLP/gRPC every second:
 * what bench/rtt-histograms feeds to Prometheus and the Collector.
 *
 * <pre>java -cp chelonia-agent.jar RttProbe.java PROMETHEUS_PORT OTLP_ENDPOINT SECONDS</pre>
 */
public class RttProbe {
  public static void main(String[] a) throws Exception {
    int promPort = Integer.parseInt(a[0]);
    String otlp = a[1];
    int seconds = Integer.parseInt(a[2]);
    PrometheusHttpServer prom = PrometheusHttpServer.builder().setHost("127.0.0.1").setPort(promPort).build();
    PeriodicMetricReader push = PeriodicMetricReader.builder(OtlpGrpcMetricExporter.builder().setEndpoint(otlp).build())
        .setInterval(Duration.ofSeconds(1)).build();
    SdkMeterProvider provider = SdkMeterProvider.builder()
        .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "rtt-probe")))
        .registerMetricReader(prom).registerMetricReader(push)
        .registerView(InstrumentSelector.builder().setName("probe.exp").build(),
            View.builder().setAggregation(Aggregation.base2ExponentialBucketHistogram()).build())
        .build();
    var meter = provider.get("probe");
    var exp = meter.histogramBuilder("probe.exp").setUnit("s").build();
    var explicit = meter.histogramBuilder("probe.explicit").setUnit("s").build();
    Attributes link = Attributes.of(AttributeKey.stringKey("link"), "a");
    Random r = new Random(1);
    for (int i = 0; i < 1000; i++) {
      double v = 100e-6 * Math.pow(500, r.nextDouble()); // 100 µs .. 50 ms
      exp.record(v, link);
      explicit.record(v, link);
    }
    System.out.println("ready");
    Thread.sleep(seconds * 1000L);
    provider.close();
  }
}
