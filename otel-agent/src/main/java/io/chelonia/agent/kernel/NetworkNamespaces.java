package io.chelonia.agent.kernel;

import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Runs a step inside another network namespace on the calling thread, then returns the thread to
 * the agent's own namespace. setns(2) with CLONE_NEWNET moves only the calling thread, which is why
 * the agent runs this on its own platform poll thread and never on a virtual thread.
 */
final class NetworkNamespaces implements AutoCloseable {
  private static final int CLONE_NEWNET = 0x40000000;
  private static final Path OWN = Path.of("/proc/self/ns/net");

  private final LibC libc;
  private final Fd home;

  NetworkNamespaces(LibC libc) {
    this.libc = libc;
    this.home = libc.openReadOnly(OWN);
  }

  /**
   * Runs the step with the calling thread in the namespace of the given nsfs file (for example
   * /proc/PID/ns/net or /run/netns/NAME).
   */
  <T> T runIn(Path namespace, Supplier<T> step) {
    try (Fd target = libc.openReadOnly(namespace)) {
      enter(target, namespace);
      try {
        return step.get();
      } finally {
        enter(home, OWN);
      }
    }
  }

  private void enter(Fd namespace, Path file) {
    try {
      libc.setns(namespace, CLONE_NEWNET, "enter network namespace " + file);
    } catch (KernelException e) {
      if (e.errno() != Errno.EPERM) {
        throw e;
      }
      throw new KernelException(e.getMessage() + " (needs CAP_SYS_ADMIN)", e.errno());
    }
  }

  /** Closes the descriptor of the agent's own namespace. */
  @Override
  public void close() {
    home.close();
  }
}
