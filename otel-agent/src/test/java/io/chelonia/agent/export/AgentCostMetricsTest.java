package io.chelonia.agent.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What the agent costs its node, on its own endpoint: resident memory (process.memory.usage, from
 * /proc), heap (jvm.memory.used) and collections (jvm.gc.duration), under their semantic-convention
 * names as the Prometheus exporter spells them.
 */
class AgentCostMetricsTest {
  private static final long MIB = 1024 * 1024;

  @Test
  void residentMemoryHeapAndGcTimeAreServed() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    try (Telemetry telemetry = SelfMetricsScrapeTest.start(port)) {
      // A collection after the listener is registered: it must show in jvm.gc.duration.
      System.gc();
      long rssBefore = ResidentMemory.bytes().orElseThrow();
      String metrics = SelfMetricsScrapeTest.scrape(port);
      long rssAfter = ResidentMemory.bytes().orElseThrow();

      // The kernel's figure between the two readings around the scrape (the heap may be giving
      // memory back meanwhile), give or take the scrape's own allocations.
      double rss = value(metrics, "process_memory_usage_bytes\\{[^}]*\\}");
      assertThat(rss)
          .isBetween(
              (double) Math.min(rssBefore, rssAfter) - 8 * MIB,
              (double) Math.max(rssBefore, rssAfter) + 8 * MIB);
      assertThat(rss).isGreaterThan(16 * MIB);

      double heapUsed =
          sum(metrics, "jvm_memory_used_bytes\\{[^}]*jvm_memory_type=\"heap\"[^}]*\\}");
      // Every heap pool's use, summed: within the heap's limit.
      assertThat(heapUsed)
          .isPositive()
          .isLessThanOrEqualTo(
              (double) ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax());

      // The JVM reports a collection by a notification, delivered on its own thread: wait for it.
      String withGc = metrics;
      for (int i = 0; i < 50 && !withGc.contains("jvm_gc_duration_seconds_count{"); i++) {
        Thread.sleep(200);
        withGc = SelfMetricsScrapeTest.scrape(port);
      }
      assertThat(sum(withGc, "jvm_gc_duration_seconds_count\\{[^}]*\\}")).isGreaterThanOrEqualTo(1);
      assertThat(metrics).contains("jvm_cpu_time_seconds_total").contains("jvm_thread_count");
      assertThat(telemetry.exportFailures()).isZero();
    }
  }

  private static double value(String metrics, String series) {
    Matcher m = Pattern.compile("(?m)^" + series + " (\\S+)$").matcher(metrics);
    assertThat(m.find()).as("%s in:%n%s", series, metrics).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private static double sum(String metrics, String series) {
    Matcher m = Pattern.compile("(?m)^" + series + " (\\S+)$").matcher(metrics);
    double total = 0;
    boolean found = false;
    while (m.find()) {
      total += Double.parseDouble(m.group(1));
      found = true;
    }
    assertThat(found).as("%s in:%n%s", series, metrics).isTrue();
    return total;
  }
}
