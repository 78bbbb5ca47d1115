package io.chelonia.agent.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Runs one downcall and turns what {@link java.lang.invoke.MethodHandle#invokeExact} declares
 * ({@code throws Throwable}) into unchecked exceptions: unchecked exceptions and errors pass
 * through as they are, anything else is wrapped in an {@link IllegalStateException}. The lambdas
 * keep the exact-typed {@code invokeExact} call with its cast, as the handle's type demands.
 */
final class NativeCalls {
  private NativeCalls() {}

  @FunctionalInterface
  interface IntCall {
    int call() throws Throwable;
  }

  @FunctionalInterface
  interface PointerCall {
    MemorySegment call() throws Throwable;
  }

  /**
   * Write the lambda with a block body, {@code () -> { handle.invokeExact(...); }}: as an
   * expression body, {@code invokeExact} is typed to return {@code Object} and fails at run time
   * with {@link java.lang.invoke.WrongMethodTypeException} against a void handle.
   */
  @FunctionalInterface
  interface VoidCall {
    void call() throws Throwable;
  }

  /** A call through a handle built by {@code Libbpf.errnoCall}: its first argument is the call state. */
  @FunctionalInterface
  interface ErrnoCall<T> {
    T call(MemorySegment callState) throws Throwable;
  }

  /** A call's result and the errno captured right after it; errno means something only on failure. */
  record Outcome<T>(T value, int errno) {}

  static int callInt(IntCall call) {
    try {
      return call.call();
    } catch (Throwable e) {
      throw unchecked(e);
    }
  }

  static MemorySegment callPointer(PointerCall call) {
    try {
      return call.call();
    } catch (Throwable e) {
      throw unchecked(e);
    }
  }

  static void callVoid(VoidCall call) {
    try {
      call.call();
    } catch (Throwable e) {
      throw unchecked(e);
    }
  }

  /** Runs the call with a fresh call-state segment and reads the errno it captured. */
  static <T> Outcome<T> callWithErrno(ErrnoCall<T> call) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = Libbpf.callState(arena);
      T value = call.call(state);
      return new Outcome<>(value, Libbpf.errno(state));
    } catch (Throwable e) {
      throw unchecked(e);
    }
  }

  private static RuntimeException unchecked(Throwable e) {
    return switch (e) {
      case RuntimeException runtime -> runtime;
      case Error error -> throw error;
      default -> new IllegalStateException(e);
    };
  }
}
