package io.chelonia.agent.kernel;

import java.lang.foreign.MemorySegment;

/** An attached program. Detached by {@link #close()}, which its {@link BpfObject} calls. */
final class BpfLink implements AutoCloseable {
  private final Libbpf libbpf;
  private final String program;
  private final MemorySegment link;
  private boolean closed;

  BpfLink(Libbpf libbpf, String program, MemorySegment link) {
    this.libbpf = libbpf;
    this.program = program;
    this.link = link;
  }

  /**
   * Starts one run of an iterator program; the run walks the network namespace of the calling
   * thread at this moment. The caller reads the returned descriptor to the end and closes it.
   */
  int openIterator() {
    int linkFd = NativeCalls.callInt(() -> (int) libbpf.linkFd.invokeExact(link));
    int fd = NativeCalls.callInt(() -> (int) libbpf.iterCreate.invokeExact(linkFd));
    if (fd < 0) {
      throw new KernelException(
          "cannot start iterator " + program + ": " + Errno.describe(fd), -fd);
    }
    return fd;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    int rc = NativeCalls.callInt(() -> (int) libbpf.linkDestroy.invokeExact(link));
    if (rc < 0) {
      Libbpf.LIBBPF_LOG.warn("detaching {} failed: {}", program, Errno.describe(rc));
    }
  }
}
