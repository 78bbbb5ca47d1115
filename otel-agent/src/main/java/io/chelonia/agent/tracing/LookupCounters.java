package io.chelonia.agent.tracing;

import java.util.concurrent.atomic.LongAdder;

/** The conntrack lookups' figures, counted by the lookup thread, read by anyone. */
public final class LookupCounters {
  final LongAdder translated = new LongAdder();
  final LongAdder asDialled = new LongAdder();
  final LongAdder failed = new LongAdder();
  final LongAdder skipped = new LongAdder();
  final LongAdder nanos = new LongAdder();

  void count(ActualDestination found, long tookNanos) {
    if (found instanceof ActualDestination.Translated) {
      translated.increment();
    } else {
      asDialled.increment();
    }
    nanos.add(tookNanos);
  }

  Snapshot snapshot() {
    return new Snapshot(
        translated.sum(), asDialled.sum(), failed.sum(), skipped.sum(), nanos.sum());
  }

  /**
   * @param translated lookups that found the connection translated to a backend
   * @param asDialled lookups that found no translation (no entry, or not translated), failures
   *     included
   * @param failed lookups the kernel refused
   * @param skipped sockets not looked up because the queue was full
   * @param nanos time spent looking up, in total
   */
  public record Snapshot(long translated, long asDialled, long failed, long skipped, long nanos) {}
}
