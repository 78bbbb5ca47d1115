package io.chelonia.agent.kernel;

import io.chelonia.agent.kernel.NativeCalls.Outcome;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.function.IntSupplier;

/**
 * Runs a step inside another network namespace on the calling thread, then returns the thread
 * to the agent's own namespace. setns(2) with CLONE_NEWNET moves only the calling thread, which
 * is why the agent runs this on its own platform poll thread and never on a virtual thread.
 */
final class NetworkNamespaces {
  private static final int CLONE_NEWNET = 0x40000000;
  private static final int O_RDONLY = 0;
  private static final int O_CLOEXEC = 0x80000;

  private final Libbpf libbpf;
  private final int home;

  NetworkNamespaces(Libbpf libbpf) {
    this.libbpf = libbpf;
    this.home = open(Path.of("/proc/self/ns/net"));
  }

  /**
   * Runs the step with the calling thread in the namespace of the given nsfs file (for example
   * /proc/PID/ns/net or /run/netns/NAME).
   */
  int runIn(Path namespace, IntSupplier step) {
    int target = open(namespace);
    try {
      enter(target, namespace);
      try {
        return step.getAsInt();
      } finally {
        enter(home, Path.of("/proc/self/ns/net"));
      }
    } finally {
      close(target);
    }
  }

  private void enter(int fd, Path namespace) {
    Outcome<Integer> entered =
        NativeCalls.callWithErrno(state -> (int) libbpf.setns.invokeExact(state, fd, CLONE_NEWNET));
    if (entered.value() < 0) {
      int errno = entered.errno();
      throw new KernelException(
          "cannot enter network namespace " + namespace + ": " + Errno.describe(errno)
              + (errno == Errno.EPERM ? " (needs CAP_SYS_ADMIN)" : ""),
          errno);
    }
  }

  int open(Path file) {
    try (Arena call = Arena.ofConfined()) {
      MemorySegment path = call.allocateFrom(file.toString());
      Outcome<Integer> opened = NativeCalls.callWithErrno(state ->
          (int) libbpf.open.invokeExact(state, path, O_RDONLY | O_CLOEXEC));
      if (opened.value() < 0) {
        int errno = opened.errno();
        throw new KernelException("cannot open " + file + ": " + Errno.describe(errno), errno);
      }
      return opened.value();
    }
  }

  /** Reads what is there into the buffer, up to its size: 0 at the end of the descriptor. */
  long read(int fd, MemorySegment buffer) {
    while (true) {
      Outcome<Long> read = NativeCalls.callWithErrno(state ->
          (long) libbpf.read.invokeExact(state, fd, buffer, buffer.byteSize()));
      long n = read.value();
      if (n >= 0) {
        return n;
      }
      int errno = read.errno();
      if (errno != Errno.EINTR && errno != Errno.EAGAIN) {
        throw new KernelException("reading iterator failed: " + Errno.describe(errno), errno);
      }
    }
  }

  void close(int fd) {
    NativeCalls.callWithErrno(state -> (int) libbpf.close.invokeExact(state, fd));
  }

  void closeHome() {
    close(home);
  }
}
