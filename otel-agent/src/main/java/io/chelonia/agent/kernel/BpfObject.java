package io.chelonia.agent.kernel;

import io.chelonia.agent.lifecycle.Closing;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A libbpf object: the ELF of our kernel programs, opened from memory, sized, loaded and attached.
 * Owns the links it attaches; {@link #close()} detaches and frees everything, once.
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
      return new BpfObject(libbpf, name, arena, libbpf.openObject(name, buffer));
    } catch (RuntimeException | Error e) {
      arena.close();
      throw e;
    }
  }

  /** Sizes a map before load; for a ring buffer the size is in bytes (a power-of-two of pages). */
  void setMaxEntries(String mapName, int maxEntries) {
    libbpf.setMaxEntries(libbpf.findMap(object, name, mapName), mapName, maxEntries);
  }

  /** Verifies and loads every program and creates every map. */
  void load() {
    libbpf.loadObject(object, name);
  }

  /** Attaches a program by the section it was compiled into (tp_btf/..., tracepoint/...). */
  BpfLink attach(String programName) {
    MemorySegment program = libbpf.findProgram(object, name, programName);
    return keep(new BpfLink(libbpf, programName, program, libbpf.attach(program, programName)));
  }

  /** Before {@link #load()}: leaves a program out of the kernel altogether (an optional one). */
  void skip(String programName) {
    libbpf.setAutoload(libbpf.findProgram(object, name, programName), programName, false);
  }

  /** Attaches a cgroup program to the cgroup whose directory {@code cgroup} is open on. */
  BpfLink attachCgroup(String programName, Fd cgroup) {
    MemorySegment program = libbpf.findProgram(object, name, programName);
    return keep(
        new BpfLink(
            libbpf, programName, program, libbpf.attachCgroup(program, programName, cgroup)));
  }

  /** Attaches an iterator program; each {@link BpfLink#openIterator()} then runs it once. */
  BpfLink attachIterator(String programName) {
    MemorySegment program = libbpf.findProgram(object, name, programName);
    return keep(
        new BpfLink(libbpf, programName, program, libbpf.attachIterator(program, programName)));
  }

  private BpfLink keep(BpfLink link) {
    links.add(link);
    return link;
  }

  BpfMap map(String mapName) {
    return new BpfMap(
        libbpf, mapName, libbpf.mapFd(libbpf.findMap(object, name, mapName), mapName));
  }

  /** The descriptor of a loaded program, attached or not; it belongs to this object. */
  Fd programFd(String programName) {
    return libbpf.programFd(libbpf.findProgram(object, name, programName), programName);
  }

  /**
   * Detaches every link (last attached first), then frees the object and its ELF buffer: all of it
   * even when a step fails; the first failure is thrown, the rest suppressed into it.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<AutoCloseable> steps = new ArrayList<>(links.reversed());
    steps.add(() -> libbpf.closeObject(object));
    steps.add(arena);
    Closing.closeAll(steps.toArray(AutoCloseable[]::new));
  }
}
