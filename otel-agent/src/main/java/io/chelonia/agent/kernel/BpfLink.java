package io.chelonia.agent.kernel;

import java.lang.foreign.MemorySegment;

/** An attached program. Detached by {@link #close()}, which its {@link BpfObject} calls. */
final class BpfLink implements AutoCloseable {
  private final Libbpf libbpf;
  private final String program;
  private final MemorySegment programPointer;
  private final MemorySegment link;
  private boolean closed;

  BpfLink(Libbpf libbpf, String program, MemorySegment programPointer, MemorySegment link) {
    this.libbpf = libbpf;
    this.program = program;
    this.programPointer = programPointer;
    this.link = link;
  }

  /**
   * Starts one run of an iterator program; the run walks the network namespace of the calling
   * thread at this moment. The caller reads the returned descriptor to the end and closes it.
   */
  Fd openIterator() {
    return libbpf.createIterator(libbpf.linkFd(link), program);
  }

  /** The descriptor of the attached program; it belongs to the program's object. */
  Fd programFd() {
    return libbpf.programFd(programPointer, program);
  }

  /** What the kernel counted about the attached program; see {@link ProgramStats}. */
  ProgramStats programStats() {
    return libbpf.programStats(programFd(), program);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    libbpf.destroyLink(link, program);
  }
}
