package io.chelonia.agent.kernel;

import io.chelonia.agent.kernel.NativeCalls.Outcome;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * A libbpf object: the ELF of our kernel programs, opened from memory, sized, loaded and
 * attached. Owns the links it attaches; {@link #close()} detaches and frees everything, once.
 */
final class BpfObject implements AutoCloseable {
  private final Libbpf libbpf;
  private final String name;
  private final Arena arena;
  private final MemorySegment object;
  private final List<BpfLink> links = new ArrayList<>();
  private boolean closed;

  private BpfObject(Libbpf libbpf, String name, Arena arena, MemorySegment object) {
    this.libbpf = libbpf;
    this.name = name;
    this.arena = arena;
    this.object = object;
  }

  /** Opens (parses) the object; nothing reaches the kernel before {@link #load()}. */
  static BpfObject open(String name, byte[] elf) {
    Libbpf libbpf = Libbpf.get();
    // The ELF buffer must outlive the object: libbpf keeps pointers into it until close.
    Arena arena = Arena.ofShared();
    try {
      MemorySegment buffer = arena.allocate(elf.length, 8);
      buffer.copyFrom(MemorySegment.ofArray(elf));
      Outcome<MemorySegment> opened = NativeCalls.callWithErrno(state ->
          (MemorySegment) libbpf.objectOpenMem.invokeExact(
              state, buffer, (long) elf.length, MemorySegment.NULL));
      if (opened.value().equals(MemorySegment.NULL)) {
        int errno = opened.errno();
        throw new KernelException(
            "cannot open BPF object " + name + ": " + Errno.describe(errno), errno);
      }
      return new BpfObject(libbpf, name, arena, opened.value());
    } catch (RuntimeException | Error e) {
      arena.close();
      throw e;
    }
  }

  /** Sizes a map before load; for a ring buffer the size is in bytes (a power-of-two of pages). */
  void setMaxEntries(String mapName, int maxEntries) {
    MemorySegment map = findMap(mapName);
    int rc = NativeCalls.callInt(() -> (int) libbpf.mapSetMaxEntries.invokeExact(map, maxEntries));
    if (rc < 0) {
      throw new KernelException(
          "cannot size map " + mapName + " to " + maxEntries + ": " + Errno.describe(rc), -rc);
    }
  }

  /** Verifies and loads every program and creates every map. */
  void load() {
    int rc = NativeCalls.callInt(() -> (int) libbpf.objectLoad.invokeExact(object));
    if (rc < 0) {
      int errno = -rc;
      String hint =
          switch (errno) {
            case Errno.EPERM, Errno.EACCES ->
                ": permission denied; run as root or grant CAP_BPF and CAP_PERFMON"
                    + " (CAP_SYS_ADMIN on kernels before 5.8)";
            default -> ": the verifier's last lines are in the log above (logger "
                + Libbpf.LIBBPF_LOG.getName() + ")";
          };
      throw new KernelException(
          "cannot load BPF object " + name + ": " + Errno.describe(errno) + hint, errno);
    }
  }

  /** Attaches a program by the section it was compiled into (tp_btf/..., tracepoint/...). */
  BpfLink attach(String programName) {
    return attachWith(programName, false);
  }

  /** Attaches an iterator program; each {@link BpfLink#openIterator()} then runs it once. */
  BpfLink attachIterator(String programName) {
    return attachWith(programName, true);
  }

  private BpfLink attachWith(String programName, boolean iterator) {
    MemorySegment program = findProgram(programName);
    Outcome<MemorySegment> link = NativeCalls.callWithErrno(state ->
        iterator
            ? (MemorySegment) libbpf.programAttachIter.invokeExact(state, program, MemorySegment.NULL)
            : (MemorySegment) libbpf.programAttach.invokeExact(state, program));
    if (link.value().equals(MemorySegment.NULL)) {
      int errno = link.errno();
      throw new KernelException(
          "cannot attach program " + programName + ": " + Errno.describe(errno), errno);
    }
    BpfLink attached = new BpfLink(libbpf, programName, link.value());
    links.add(attached);
    return attached;
  }

  BpfMap map(String mapName) {
    MemorySegment map = findMap(mapName);
    int fd = NativeCalls.callInt(() -> (int) libbpf.mapFd.invokeExact(map));
    if (fd < 0) {
      throw new KernelException("map " + mapName + " has no file descriptor: was the object loaded?");
    }
    return new BpfMap(libbpf, mapName, fd);
  }

  private MemorySegment findMap(String mapName) {
    return find(libbpf.objectFindMapByName, "map", mapName);
  }

  private MemorySegment findProgram(String programName) {
    return find(libbpf.objectFindProgramByName, "program", programName);
  }

  private MemorySegment find(MethodHandle finder, String kind, String wanted) {
    try (Arena call = Arena.ofConfined()) {
      MemorySegment cName = call.allocateFrom(wanted);
      MemorySegment found = NativeCalls.callPointer(() -> (MemorySegment) finder.invokeExact(object, cName));
      if (found.equals(MemorySegment.NULL)) {
        throw new KernelException("BPF object " + name + " has no " + kind + " named " + wanted);
      }
      return found;
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (int i = links.size() - 1; i >= 0; i--) {
      links.get(i).close();
    }
    try {
      NativeCalls.callVoid(() -> {
        // A block body, not an expression: see NativeCalls.VoidCall.
        libbpf.objectClose.invokeExact(object);
      });
    } finally {
      arena.close();
    }
  }
}
