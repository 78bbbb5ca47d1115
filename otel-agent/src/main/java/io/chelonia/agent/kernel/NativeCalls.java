package io.chelonia.agent.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.function.Function;

/**
 * What {@link Libbpf} and {@link LibC} share: building downcall handles and running them. Runs turn
 * what {@link MethodHandle#invokeExact} declares ({@code throws Throwable}) into unchecked
 * exceptions: unchecked exceptions and errors pass through as they are, anything else is wrapped in
 * an {@link IllegalStateException}. The lambdas keep the exact-typed {@code invokeExact} call with
 * its cast, as the handle's type demands. Nothing outside the two bindings uses this class.
 */
final class NativeCalls {
  static final Linker LINKER = Linker.nativeLinker();

  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  private NativeCalls() {}

  /** The C functions of one library; a missing symbol fails with the library's own message. */
  @SuppressWarnings("restricted") // The binding is the code native access is enabled for.
  record Library(SymbolLookup lookup, Function<String, String> missingSymbol) {
    MethodHandle function(String name, MemoryLayout result, MemoryLayout... arguments) {
      return LINKER.downcallHandle(symbol(name), FunctionDescriptor.of(result, arguments));
    }

    MethodHandle voidFunction(String name, MemoryLayout... arguments) {
      return LINKER.downcallHandle(symbol(name), FunctionDescriptor.ofVoid(arguments));
    }

    /**
     * A handle whose first argument is a call-state segment that receives errno right after the
     * call ({@link Linker.Option#captureCallState}): the JVM may run code that clobbers errno
     * before Java could read it. Run it with {@link #callWithErrno}.
     */
    MethodHandle functionWithErrno(String name, MemoryLayout result, MemoryLayout... arguments) {
      return LINKER.downcallHandle(
          symbol(name),
          FunctionDescriptor.of(result, arguments),
          Linker.Option.captureCallState("errno"));
    }

    private MemorySegment symbol(String name) {
      return lookup.find(name).orElseThrow(() -> new KernelException(missingSymbol.apply(name)));
    }
  }

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

  /**
   * A call through a handle built by {@link Library#functionWithErrno}: its first argument is the
   * call state.
   */
  @FunctionalInterface
  interface ErrnoCall<T> {
    T call(MemorySegment callState) throws Throwable;
  }

  /**
   * A call's result and the errno captured right after it; errno means something only on failure.
   */
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
      MemorySegment state = arena.allocate(CALL_STATE);
      T value = call.call(state);
      return new Outcome<>(value, (int) ERRNO.get(state, 0L));
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
