package io.chelonia.agent.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The calls into libbpf.so.1 and libc that Chelonia uses, bound by hand through the FFM API.
 *
 * <p>libbpf 1.x reports failures as NULL plus errno for pointers and as a negative errno for
 * integers; the handles that return pointers, and the libc calls, capture errno right after the
 * call ({@link Linker.Option#captureCallState}) because the JVM may run code that clobbers it
 * before Java could read it.
 */
final class Libbpf {
  static final String LIBRARY = "libbpf.so.1";
  static final Logger LIBBPF_LOG = LoggerFactory.getLogger("io.chelonia.agent.kernel.libbpf");

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final int PRINT_BUFFER_SIZE = 4096;

  /** libbpf_print_level */
  private static final int LIBBPF_WARN = 0;
  private static final int LIBBPF_INFO = 1;

  private static volatile Libbpf instance;

  final MethodHandle objectOpenMem;
  final MethodHandle objectFindMapByName;
  final MethodHandle objectFindProgramByName;
  final MethodHandle objectLoad;
  final MethodHandle objectClose;
  final MethodHandle mapSetMaxEntries;
  final MethodHandle mapFd;
  final MethodHandle programAttach;
  final MethodHandle programAttachIter;
  final MethodHandle linkFd;
  final MethodHandle linkDestroy;
  final MethodHandle iterCreate;
  final MethodHandle mapLookupBatch;
  final MethodHandle mapLookupElem;
  final MethodHandle mapDeleteElem;
  final MethodHandle mapUpdateElem;
  final MethodHandle ringBufferNew;
  final MethodHandle ringBufferConsume;
  final MethodHandle ringBufferFree;
  final MethodHandle numPossibleCpus;
  final MethodHandle read;
  final MethodHandle open;
  final MethodHandle close;
  final MethodHandle setns;
  private final MethodHandle vsnprintf;
  private final MethodHandle setPrint;

  private Libbpf(SymbolLookup libbpf) {
    SymbolLookup libc = LINKER.defaultLookup();
    objectOpenMem = errnoCall(libbpf, "bpf_object__open_mem", ADDRESS, ADDRESS, JAVA_LONG, ADDRESS);
    objectFindMapByName = call(libbpf, "bpf_object__find_map_by_name", ADDRESS, ADDRESS, ADDRESS);
    objectFindProgramByName =
        call(libbpf, "bpf_object__find_program_by_name", ADDRESS, ADDRESS, ADDRESS);
    objectLoad = call(libbpf, "bpf_object__load", JAVA_INT, ADDRESS);
    objectClose = callVoid(libbpf, "bpf_object__close", ADDRESS);
    mapSetMaxEntries = call(libbpf, "bpf_map__set_max_entries", JAVA_INT, ADDRESS, JAVA_INT);
    mapFd = call(libbpf, "bpf_map__fd", JAVA_INT, ADDRESS);
    programAttach = errnoCall(libbpf, "bpf_program__attach", ADDRESS, ADDRESS);
    programAttachIter = errnoCall(libbpf, "bpf_program__attach_iter", ADDRESS, ADDRESS, ADDRESS);
    linkFd = call(libbpf, "bpf_link__fd", JAVA_INT, ADDRESS);
    linkDestroy = call(libbpf, "bpf_link__destroy", JAVA_INT, ADDRESS);
    iterCreate = call(libbpf, "bpf_iter_create", JAVA_INT, JAVA_INT);
    mapLookupBatch =
        call(libbpf, "bpf_map_lookup_batch", JAVA_INT,
            JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
    mapLookupElem = call(libbpf, "bpf_map_lookup_elem", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    mapDeleteElem = call(libbpf, "bpf_map_delete_elem", JAVA_INT, JAVA_INT, ADDRESS);
    mapUpdateElem = call(libbpf, "bpf_map_update_elem", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG);
    ringBufferNew = errnoCall(libbpf, "ring_buffer__new", ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
    ringBufferConsume = call(libbpf, "ring_buffer__consume", JAVA_INT, ADDRESS);
    ringBufferFree = callVoid(libbpf, "ring_buffer__free", ADDRESS);
    numPossibleCpus = call(libbpf, "libbpf_num_possible_cpus", JAVA_INT);
    setPrint = call(libbpf, "libbpf_set_print", ADDRESS, ADDRESS);
    read = errnoCall(libc, "read", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    open = errnoCall(libc, "open", JAVA_INT, ADDRESS, JAVA_INT);
    close = errnoCall(libc, "close", JAVA_INT, JAVA_INT);
    setns = errnoCall(libc, "setns", JAVA_INT, JAVA_INT, JAVA_INT);
    vsnprintf = call(libc, "vsnprintf", JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS);
  }

  /**
   * The binding, loaded once. Routes libbpf's own log lines to the agent's logger from then on.
   *
   * @throws KernelException when libbpf.so.1 cannot be found
   */
  static Libbpf get() {
    Libbpf bound = instance;
    if (bound != null) {
      return bound;
    }
    synchronized (Libbpf.class) {
      if (instance == null) {
        SymbolLookup library;
        try {
          library = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
        } catch (IllegalArgumentException notFound) {
          throw new KernelException(
              LIBRARY + " not found: install libbpf 1.x (Debian/Ubuntu: apt-get install libbpf1;"
                  + " Fedora/RHEL: dnf install libbpf)");
        }
        Libbpf created = new Libbpf(library);
        created.routeLogToSlf4j();
        instance = created;
      }
      return instance;
    }
  }

  /** A per-call buffer for the errno captured by the handles built with {@link #errnoCall}. */
  static MemorySegment callState(Arena arena) {
    return arena.allocate(CALL_STATE);
  }

  static int errno(MemorySegment callState) {
    return (int) ERRNO.get(callState, 0L);
  }

  private void routeLogToSlf4j() {
    try {
      MethodHandle target =
          MethodHandles.lookup()
              .findStatic(
                  Libbpf.class,
                  "print",
                  MethodType.methodType(int.class, int.class, MemorySegment.class, MemorySegment.class));
      // The stub lives as long as the process: libbpf keeps the pointer globally.
      MemorySegment stub =
          LINKER.upcallStub(
              target, FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), Arena.global());
      MemorySegment previous = (MemorySegment) setPrint.invokeExact(stub);
      LIBBPF_LOG.trace("libbpf print callback installed (previous {})", previous);
    } catch (Throwable e) {
      throw new IllegalStateException("cannot install the libbpf print callback", e);
    }
  }

  /**
   * libbpf's print callback: (level, format, va_list). An exception escaping an upcall would end
   * the JVM, so everything is caught here.
   */
  @SuppressWarnings("unused")
  private static int print(int level, MemorySegment format, MemorySegment args) {
    try {
      Libbpf bound = instance;
      if (bound == null) {
        return 0;
      }
      if (level > LIBBPF_INFO && !LIBBPF_LOG.isDebugEnabled()) {
        return 0;
      }
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment buffer = arena.allocate(PRINT_BUFFER_SIZE);
        int written = (int) bound.vsnprintf.invokeExact(
            buffer, (long) PRINT_BUFFER_SIZE, format, args);
        if (written < 0) {
          return 0;
        }
        String line = buffer.getString(0).stripTrailing();
        if (level == LIBBPF_WARN) {
          LIBBPF_LOG.warn(line);
        } else if (level == LIBBPF_INFO) {
          LIBBPF_LOG.debug(line);
        } else {
          LIBBPF_LOG.trace(line);
        }
      }
    } catch (Throwable ignored) {
      // Nothing may escape an upcall; a lost log line is the lesser harm.
    }
    return 0;
  }

  static Optional<String> nativeString(MemorySegment pointer) {
    if (pointer.equals(MemorySegment.NULL)) {
      return Optional.empty();
    }
    return Optional.of(pointer.reinterpret(Long.MAX_VALUE).getString(0));
  }

  private static MethodHandle call(
      SymbolLookup lookup, String name, MemoryLayout result, MemoryLayout... arguments) {
    return LINKER.downcallHandle(symbol(lookup, name), FunctionDescriptor.of(result, arguments));
  }

  private static MethodHandle callVoid(SymbolLookup lookup, String name, MemoryLayout... arguments) {
    return LINKER.downcallHandle(symbol(lookup, name), FunctionDescriptor.ofVoid(arguments));
  }

  /** A handle whose first argument is a {@link #callState} segment that receives errno. */
  private static MethodHandle errnoCall(
      SymbolLookup lookup, String name, MemoryLayout result, MemoryLayout... arguments) {
    return LINKER.downcallHandle(
        symbol(lookup, name),
        FunctionDescriptor.of(result, arguments),
        Linker.Option.captureCallState("errno"));
  }

  private static MemorySegment symbol(SymbolLookup lookup, String name) {
    return lookup
        .find(name)
        .orElseThrow(
            () -> new KernelException(
                LIBRARY + " lacks " + name + ": Chelonia needs libbpf 1.0 or newer"));
  }
}
