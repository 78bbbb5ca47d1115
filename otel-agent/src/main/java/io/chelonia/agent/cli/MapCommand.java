package io.chelonia.agent.cli;

import io.chelonia.agent.map.MapOptions;
import io.chelonia.agent.map.MapServer;
import io.chelonia.agent.map.PrometheusLinks;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The whole cluster's map, drawn from the series the Collector remote-wrote to Prometheus. */
@Command(
    name = "map",
    mixinStandardHelpOptions = true,
    description = {
      "Serve the map page of a whole cluster, read from Prometheus (the chelonia_link_* series the",
      "Collector remote-wrote); no probes, no root needed."
    })
final class MapCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(MapCommand.class);

  @Option(
      names = "--prometheus",
      paramLabel = "URL",
      defaultValue = "${env:CHELONIA_MAP_PROMETHEUS}",
      description =
          "Base URL of the Prometheus that holds the series, e.g. http://prometheus:9090.")
  String prometheus;

  @Option(
      names = "--refresh",
      paramLabel = "SECONDS",
      defaultValue = "${env:CHELONIA_MAP_REFRESH:-15}",
      description =
          "Seconds between two reads of Prometheus by the page (default: ${DEFAULT-VALUE}).")
  double refreshSeconds;

  @Option(
      names = "--duration",
      paramLabel = "SECONDS",
      description = "Stop by itself after this many seconds (default: run until interrupted).")
  Double durationSeconds;

  @Mixin MapServerOptions server;

  @Override
  public Integer call() throws InterruptedException {
    if (prometheus == null || prometheus.isBlank()) {
      throw new IllegalArgumentException("map needs --prometheus URL (or CHELONIA_MAP_PROMETHEUS)");
    }
    URI uri;
    try {
      uri = new URI(prometheus);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("--prometheus is not a URL: " + e.getMessage());
    }
    PrometheusLinks links =
        new PrometheusLinks(uri, Duration.ofMillis(Math.round(refreshSeconds * 1000)));
    MapOptions options = server.toOptions();
    CountDownLatch stop = new CountDownLatch(1);
    Thread hook = new Thread(stop::countDown, "chelonia-map-shutdown");
    try (MapServer map = MapServer.start(options, links)) {
      LOG.info("map of {} on http://{}:{}/", prometheus, options.bindAddress(), map.port());
      Runtime.getRuntime().addShutdownHook(hook);
      if (durationSeconds == null) {
        stop.await();
      } else {
        stop.await(Math.round(durationSeconds * 1000), TimeUnit.MILLISECONDS);
      }
    }
    return 0;
  }
}
