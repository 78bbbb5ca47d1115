package io.chelonia.agent.cli;

import io.chelonia.agent.link.LinkPipeline;
import io.chelonia.agent.link.PollListener;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs the pipeline on the calling (platform) thread until the duration is over or the JVM is asked
 * to stop; a stop request waits for the poll under way, so the probes are detached and the last
 * figures exported before the process ends.
 */
final class PollLoop {
  private static final long SHUTDOWN_WAIT_SECONDS = 15;

  private PollLoop() {}

  static void run(LinkPipeline pipeline, Optional<Duration> duration, List<PollListener> listeners)
      throws InterruptedException {
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              stop.countDown();
              try {
                stopped.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "chelonia-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      pipeline.run(duration, stop, listeners);
    } finally {
      stopped.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The hook is running: it waits for the countDown above.
      }
    }
  }
}
