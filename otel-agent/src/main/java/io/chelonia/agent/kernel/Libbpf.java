package io.chelonia.agent.kernel;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.chelonia.agent.kernel.NativeCalls.Outcome;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The calls into libbpf.so.1 that Chelonia uses, bound by hand through the FFM API: typed methods
 * that throw {@link KernelException} with errno; the handles stay in here.
 *
 * <p>libbpf 1.x reports failures as NULL plus errno for pointers and as a negative errno for
 * integers; the handles that return pointers capture errno right after the call. Objects, maps,
 * programs, links and ring buffers are libbpf's own pointers; the types that own them ({@link
 * BpfObject}, {@link BpfLink}, {@link RingBuffer}) free them.
 */
final class Libbpf {
  static final String LIBRARY = "libbpf.so.1";
  static final Logger LIBBPF_LOG = LoggerFactory.getLogger("io.chelonia.agent.kernel.libbpf");

  /**
   * The head of {@code struct bpf_prog_info} (UAPI linux/bpf.h) up to the last member read here;
   * offsets as in the kernel's BTF. The kernel fills as much as we pass and no more.
   */
  static final StructLayout PROGRAM_INFO =
      MemoryLayout.structLayout(
          MemoryLayout.paddingLayout(192),
          JAVA_LONG.withName("run_time_ns"),
          JAVA_LONG.withName("run_cnt"),
          JAVA_LONG.withName("recursion_misses"));

  private static final long RUN_TIME_NS = PROGRAM_INFO.byteOffset(groupElement("run_time_ns"));
  private static final long RUN_CNT = PROGRAM_INFO.byteOffset(groupElement("run_cnt"));
  private static final long RECURSION_MISSES =
      PROGRAM_INFO.byteOffset(groupElement("recursion_misses"));
  private static final int PRINT_BUFFER_SIZE = 4096;

  /** libbpf_print_level */
  private static final int LIBBPF_WARN = 0;

  private static final int LIBBPF_INFO = 1;

  /** enum bpf_stats_type */
  private static final int BPF_STATS_RUN_TIME = 0;

  private static volatile Libbpf instance;

  private final LibC libc = LibC.get();
  private final MethodHandle objectOpenMem;
  private final MethodHandle objectFindMapByName;
  private final MethodHandle objectFindProgramByName;
  private final MethodHandle objectLoad;
  private final MethodHandle objectClose;
  private final MethodHandle mapSetMaxEntries;
  private final MethodHandle mapFd;
  private final MethodHandle programFd;
  private final MethodHandle programAttach;
  private final MethodHandle programAttachIter;
  private final MethodHandle programAttachCgroup;
  private final MethodHandle programSetAutoload;
  private final MethodHandle linkFd;
  private final MethodHandle linkDestroy;
  private final MethodHandle iterCreate;
  private final MethodHandle mapLookupBatch;
  private final MethodHandle mapLookupElem;
  private final MethodHandle mapDeleteElem;
  private final MethodHandle mapLookupAndDeleteElem;
  private final MethodHandle mapUpdateElem;
  private final MethodHandle objGetInfoByFd;
  private final MethodHandle enableStats;
  private final MethodHandle ringBufferNew;
  private final MethodHandle ringBufferConsume;
  private final MethodHandle ringBufferFree;
  private final MethodHandle numPossibleCpus;
  private final MethodHandle setPrint;

  private Libbpf(SymbolLookup lookup) {
    NativeCalls.Library libbpf =
        new NativeCalls.Library(
            lookup, name -> LIBRARY + " lacks " + name + ": Chelonia needs libbpf 1.0 or newer");
    objectOpenMem =
        libbpf.functionWithErrno("bpf_object__open_mem", ADDRESS, ADDRESS, JAVA_LONG, ADDRESS);
    objectFindMapByName =
        libbpf.function("bpf_object__find_map_by_name", ADDRESS, ADDRESS, ADDRESS);
    objectFindProgramByName =
        libbpf.function("bpf_object__find_program_by_name", ADDRESS, ADDRESS, ADDRESS);
    objectLoad = libbpf.function("bpf_object__load", JAVA_INT, ADDRESS);
    objectClose = libbpf.voidFunction("bpf_object__close", ADDRESS);
    mapSetMaxEntries = libbpf.function("bpf_map__set_max_entries", JAVA_INT, ADDRESS, JAVA_INT);
    mapFd = libbpf.function("bpf_map__fd", JAVA_INT, ADDRESS);
    programFd = libbpf.function("bpf_program__fd", JAVA_INT, ADDRESS);
    programAttach = libbpf.functionWithErrno("bpf_program__attach", ADDRESS, ADDRESS);
    programAttachIter =
        libbpf.functionWithErrno("bpf_program__attach_iter", ADDRESS, ADDRESS, ADDRESS);
    programAttachCgroup =
        libbpf.functionWithErrno("bpf_program__attach_cgroup", ADDRESS, ADDRESS, JAVA_INT);
    programSetAutoload =
        libbpf.function("bpf_program__set_autoload", JAVA_INT, ADDRESS, JAVA_BOOLEAN);
    linkFd = libbpf.function("bpf_link__fd", JAVA_INT, ADDRESS);
    linkDestroy = libbpf.function("bpf_link__destroy", JAVA_INT, ADDRESS);
    iterCreate = libbpf.function("bpf_iter_create", JAVA_INT, JAVA_INT);
    mapLookupBatch =
        libbpf.function(
            "bpf_map_lookup_batch",
            JAVA_INT,
            JAVA_INT,
            ADDRESS,
            ADDRESS,
            ADDRESS,
            ADDRESS,
            ADDRESS,
            ADDRESS);
    mapLookupElem = libbpf.function("bpf_map_lookup_elem", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    mapDeleteElem = libbpf.function("bpf_map_delete_elem", JAVA_INT, JAVA_INT, ADDRESS);
    mapLookupAndDeleteElem =
        libbpf.function("bpf_map_lookup_and_delete_elem", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    mapUpdateElem =
        libbpf.function("bpf_map_update_elem", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG);
    objGetInfoByFd =
        libbpf.function("bpf_obj_get_info_by_fd", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    enableStats = libbpf.function("bpf_enable_stats", JAVA_INT, JAVA_INT);
    ringBufferNew =
        libbpf.functionWithErrno("ring_buffer__new", ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
    ringBufferConsume = libbpf.function("ring_buffer__consume", JAVA_INT, ADDRESS);
    ringBufferFree = libbpf.voidFunction("ring_buffer__free", ADDRESS);
    numPossibleCpus = libbpf.function("libbpf_num_possible_cpus", JAVA_INT);
    setPrint = libbpf.function("libbpf_set_print", ADDRESS, ADDRESS);
  }

  /**
   * The binding, loaded once. Routes libbpf's own log lines to the agent's logger from then on.
   *
   * @throws KernelException when libbpf.so.1 cannot be found
   */
  @SuppressWarnings("restricted") // The binding is the code native access is enabled for.
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
              LIBRARY
                  + " not found: install libbpf 1.x (Debian/Ubuntu: apt-get install libbpf1;"
                  + " Fedora/RHEL: dnf install libbpf)");
        }
        Libbpf created = new Libbpf(library);
        created.routeLogToSlf4j();
        instance = created;
      }
      return instance;
    }
  }

  /** bpf_object__open_mem: parses the ELF, which must outlive the object. */
  MemorySegment openObject(String name, MemorySegment elf) {
    Outcome<MemorySegment> opened =
        NativeCalls.callWithErrno(
            state ->
                (MemorySegment)
                    objectOpenMem.invokeExact(state, elf, elf.byteSize(), MemorySegment.NULL));
    if (opened.value().equals(MemorySegment.NULL)) {
      throw KernelException.cannot("open BPF object " + name, opened.errno());
    }
    return opened.value();
  }

  MemorySegment findMap(MemorySegment object, String objectName, String mapName) {
    return find(objectFindMapByName, object, objectName, "map", mapName);
  }

  MemorySegment findProgram(MemorySegment object, String objectName, String programName) {
    return find(objectFindProgramByName, object, objectName, "program", programName);
  }

  private static MemorySegment find(
      MethodHandle finder, MemorySegment object, String objectName, String kind, String wanted) {
    try (Arena call = Arena.ofConfined()) {
      MemorySegment cName = call.allocateFrom(wanted);
      MemorySegment found =
          NativeCalls.callPointer(() -> (MemorySegment) finder.invokeExact(object, cName));
      if (found.equals(MemorySegment.NULL)) {
        throw new KernelException(
            "BPF object " + objectName + " has no " + kind + " named " + wanted);
      }
      return found;
    }
  }

  /** Sizes a map before load; for a ring buffer the size is in bytes (a power-of-two of pages). */
  void setMaxEntries(MemorySegment map, String mapName, int maxEntries) {
    int rc = NativeCalls.callInt(() -> (int) mapSetMaxEntries.invokeExact(map, maxEntries));
    if (rc < 0) {
      throw KernelException.cannot("size map " + mapName + " to " + maxEntries, rc);
    }
  }

  /** Verifies and loads every program and creates every map. */
  void loadObject(MemorySegment object, String name) {
    int rc = NativeCalls.callInt(() -> (int) objectLoad.invokeExact(object));
    if (rc < 0) {
      int errno = -rc;
      String hint =
          switch (errno) {
            case Errno.EPERM, Errno.EACCES ->
                ": permission denied; run as root or grant CAP_BPF and CAP_PERFMON"
                    + " (CAP_SYS_ADMIN on kernels before 5.8), and allow bpf(2) in the"
                    + " container's seccomp profile";
            default ->
                ": the verifier's last lines are in the log above (logger "
                    + LIBBPF_LOG.getName()
                    + ")";
          };
      throw new KernelException(
          "cannot load BPF object " + name + ": " + Errno.describe(errno) + hint, errno);
    }
  }

  /** Detaches what is still attached and frees the object with its maps and programs. */
  void closeObject(MemorySegment object) {
    NativeCalls.callVoid(
        () -> {
          // A block body, not an expression: see NativeCalls.VoidCall.
          objectClose.invokeExact(object);
        });
  }

  /** The descriptor of a loaded map; it belongs to the object. */
  Fd mapFd(MemorySegment map, String mapName) {
    int fd = NativeCalls.callInt(() -> (int) mapFd.invokeExact(map));
    if (fd < 0) {
      throw new KernelException(
          "map " + mapName + " has no file descriptor: was the object loaded?");
    }
    return Fd.borrowed(fd);
  }

  /** The descriptor of a loaded program; it belongs to the object. */
  Fd programFd(MemorySegment program, String programName) {
    int fd = NativeCalls.callInt(() -> (int) programFd.invokeExact(program));
    if (fd < 0) {
      throw new KernelException(
          "program " + programName + " has no file descriptor: was the object loaded?");
    }
    return Fd.borrowed(fd);
  }

  /** Attaches a program by the section it was compiled into (tp_btf/..., tracepoint/...). */
  MemorySegment attach(MemorySegment program, String programName) {
    Outcome<MemorySegment> link =
        NativeCalls.callWithErrno(
            state -> (MemorySegment) programAttach.invokeExact(state, program));
    return attached(link, programName);
  }

  /** Attaches an iterator program, which then runs once per {@link #createIterator}. */
  MemorySegment attachIterator(MemorySegment program, String programName) {
    Outcome<MemorySegment> link =
        NativeCalls.callWithErrno(
            state ->
                (MemorySegment) programAttachIter.invokeExact(state, program, MemorySegment.NULL));
    return attached(link, programName);
  }

  /** Attaches a cgroup program (cgroup_skb/...) to the cgroup whose directory is open as fd. */
  MemorySegment attachCgroup(MemorySegment program, String programName, Fd cgroup) {
    int number = cgroup.number();
    Outcome<MemorySegment> link =
        NativeCalls.callWithErrno(
            state -> (MemorySegment) programAttachCgroup.invokeExact(state, program, number));
    return attached(link, programName);
  }

  /** Before load: whether the program is verified and loaded with the object's others. */
  void setAutoload(MemorySegment program, String programName, boolean load) {
    int rc = NativeCalls.callInt(() -> (int) programSetAutoload.invokeExact(program, load));
    if (rc < 0) {
      throw KernelException.cannot("set whether program " + programName + " loads", rc);
    }
  }

  private static MemorySegment attached(Outcome<MemorySegment> link, String programName) {
    if (link.value().equals(MemorySegment.NULL)) {
      throw KernelException.cannot("attach program " + programName, link.errno());
    }
    return link.value();
  }

  /** The descriptor of an attached link; it belongs to the link. */
  Fd linkFd(MemorySegment link) {
    return Fd.borrowed(NativeCalls.callInt(() -> (int) linkFd.invokeExact(link)));
  }

  /** Detaches and frees a link. */
  void destroyLink(MemorySegment link, String programName) {
    int rc = NativeCalls.callInt(() -> (int) linkDestroy.invokeExact(link));
    if (rc < 0) {
      throw KernelException.cannot("detach program " + programName, rc);
    }
  }

  /**
   * Starts one run of an iterator: the run walks the network namespace of the calling thread at
   * this moment. The caller reads the returned descriptor to the end and closes it.
   */
  Fd createIterator(Fd link, String programName) {
    int number = link.number();
    int fd = NativeCalls.callInt(() -> (int) iterCreate.invokeExact(number));
    if (fd < 0) {
      throw KernelException.cannot("start iterator " + programName, fd);
    }
    return Fd.owned(fd);
  }

  /**
   * One batch lookup of a hash map: fills {@code count} entries of keys and values, starting after
   * {@code inBatch} (NULL for the first batch) and leaving the cursor in {@code outBatch}. Returns
   * false when this was the last batch (which may still carry entries).
   */
  boolean lookupBatch(
      Fd map,
      String mapName,
      MemorySegment inBatch,
      MemorySegment outBatch,
      MemorySegment keys,
      MemorySegment values,
      MemorySegment count) {
    int number = map.number();
    int rc =
        NativeCalls.callInt(
            () ->
                (int)
                    mapLookupBatch.invokeExact(
                        number, inBatch, outBatch, keys, values, count, MemorySegment.NULL));
    // ENOENT means "no more entries".
    if (rc == -Errno.ENOENT) {
      return false;
    }
    if (rc < 0) {
      throw KernelException.cannot("batch lookup map " + mapName, rc);
    }
    return true;
  }

  /** Copies the value under the key into {@code value} (all CPUs' values for a per-CPU map). */
  void lookup(Fd map, String mapName, MemorySegment key, MemorySegment value) {
    int number = map.number();
    int rc = NativeCalls.callInt(() -> (int) mapLookupElem.invokeExact(number, key, value));
    if (rc < 0) {
      throw KernelException.cannot("look up in map " + mapName, rc);
    }
  }

  /** Writes the value under the key, creating or replacing the entry (BPF_ANY). */
  void update(Fd map, String mapName, MemorySegment key, MemorySegment value) {
    int number = map.number();
    int rc = NativeCalls.callInt(() -> (int) mapUpdateElem.invokeExact(number, key, value, 0L));
    if (rc < 0) {
      throw KernelException.cannot("update map " + mapName, rc);
    }
  }

  /** Deletes one entry; returns false if there was none. */
  boolean delete(Fd map, String mapName, MemorySegment key) {
    int number = map.number();
    int rc = NativeCalls.callInt(() -> (int) mapDeleteElem.invokeExact(number, key));
    if (rc == -Errno.ENOENT) {
      return false;
    }
    if (rc < 0) {
      throw KernelException.cannot("delete from map " + mapName, rc);
    }
    return true;
  }

  /**
   * Takes one entry out of a hash map, reading its value as it is deleted: nothing a program adds
   * between a read and a delete is lost. Returns false if there was none.
   */
  boolean lookupAndDelete(Fd map, String mapName, MemorySegment key, MemorySegment value) {
    int number = map.number();
    int rc =
        NativeCalls.callInt(() -> (int) mapLookupAndDeleteElem.invokeExact(number, key, value));
    if (rc == -Errno.ENOENT) {
      return false;
    }
    if (rc < 0) {
      throw KernelException.cannot("take an entry out of map " + mapName, rc);
    }
    return true;
  }

  /** bpf_obj_get_info_by_fd on a program: its run statistics. */
  ProgramStats programStats(Fd program, String programName) {
    int number = program.number();
    try (Arena call = Arena.ofConfined()) {
      MemorySegment info = call.allocate(PROGRAM_INFO);
      MemorySegment length = call.allocate(JAVA_INT);
      length.set(JAVA_INT, 0, (int) PROGRAM_INFO.byteSize());
      int rc = NativeCalls.callInt(() -> (int) objGetInfoByFd.invokeExact(number, info, length));
      if (rc < 0) {
        throw KernelException.cannot("read the statistics of program " + programName, rc);
      }
      if (length.get(JAVA_INT, 0) < PROGRAM_INFO.byteSize()) {
        throw new KernelException(
            "the kernel reported only "
                + length.get(JAVA_INT, 0)
                + " bytes of bpf_prog_info for "
                + programName
                + ": it lacks recursion_misses (Linux 5.12)");
      }
      return new ProgramStats(
          info.get(JAVA_LONG, RUN_TIME_NS),
          info.get(JAVA_LONG, RUN_CNT),
          info.get(JAVA_LONG, RECURSION_MISSES));
    }
  }

  /**
   * BPF_ENABLE_STATS: the kernel counts every program's runs and run time while the returned
   * descriptor is open (with a small cost per run).
   */
  Fd enableRunTimeStats() {
    int fd = NativeCalls.callInt(() -> (int) enableStats.invokeExact(BPF_STATS_RUN_TIME));
    if (fd < 0) {
      throw KernelException.cannot("enable BPF run-time statistics", fd);
    }
    return Fd.owned(fd);
  }

  /** A ring buffer reader on the map that calls {@code onSample} for each record. */
  MemorySegment newRingBuffer(Fd map, String mapName, MemorySegment onSample) {
    int number = map.number();
    Outcome<MemorySegment> created =
        NativeCalls.callWithErrno(
            state ->
                (MemorySegment)
                    ringBufferNew.invokeExact(
                        state, number, onSample, MemorySegment.NULL, MemorySegment.NULL));
    if (created.value().equals(MemorySegment.NULL)) {
      throw KernelException.cannot("open ring buffer " + mapName, created.errno());
    }
    return created.value();
  }

  /** Runs the callback for every record waiting; returns how many there were. */
  int consumeRingBuffer(MemorySegment ring) {
    int consumed = NativeCalls.callInt(() -> (int) ringBufferConsume.invokeExact(ring));
    if (consumed < 0) {
      throw KernelException.cannot("read ring buffer", consumed);
    }
    return consumed;
  }

  void freeRingBuffer(MemorySegment ring) {
    NativeCalls.callVoid(
        () -> {
          // A block body, not an expression: see NativeCalls.VoidCall.
          ringBufferFree.invokeExact(ring);
        });
  }

  /** The CPUs a per-CPU map has a slot for. */
  int possibleCpus() {
    int cpus = NativeCalls.callInt(() -> (int) numPossibleCpus.invokeExact());
    if (cpus < 0) {
      throw KernelException.cannot("count the possible CPUs", cpus);
    }
    return cpus;
  }

  @SuppressWarnings("restricted") // The binding is the code native access is enabled for.
  private void routeLogToSlf4j() {
    MethodHandle target;
    try {
      target =
          MethodHandles.lookup()
              .findStatic(
                  Libbpf.class,
                  "print",
                  MethodType.methodType(
                      int.class, int.class, MemorySegment.class, MemorySegment.class));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot install the libbpf print callback", e);
    }
    // The stub lives as long as the process: libbpf keeps the pointer globally.
    MemorySegment stub =
        NativeCalls.LINKER.upcallStub(
            target, FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), Arena.global());
    MemorySegment previous =
        NativeCalls.callPointer(() -> (MemorySegment) setPrint.invokeExact(stub));
    LIBBPF_LOG.trace("libbpf print callback installed (previous {})", previous);
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
        if (bound.libc.format(buffer, format, args) < 0) {
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
}
