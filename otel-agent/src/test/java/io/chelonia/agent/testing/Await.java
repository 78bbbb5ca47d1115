package io.chelonia.agent.testing;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded waiting for a condition that tests poll for. */
public final class Await {
  private Await() {}

  /**
   * Calls {@code attempt} every {@code pause} until it gives a value, and returns that value; fails
   * with an {@link AssertionError} saying {@code failure} once {@code timeout} has passed.
   */
  public static <T> T until(
      Duration timeout, Duration pause, Supplier<Optional<T>> attempt, Supplier<String> failure) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<T> value = attempt.get();
      if (value.isPresent()) {
        return value.get();
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(failure.get());
      }
      sleep(pause);
    }
  }

  /** {@link #until(Duration, Duration, Supplier, Supplier)} for a condition with no value. */
  public static void until(
      Duration timeout, Duration pause, BooleanSupplier condition, Supplier<String> failure) {
    until(
        timeout,
        pause,
        () -> condition.getAsBoolean() ? Optional.of(true) : Optional.empty(),
        failure);
  }

  /** Sleeps; an interrupt is kept and thrown as an {@link IllegalStateException}. */
  public static void sleep(Duration pause) {
    try {
      Thread.sleep(pause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
