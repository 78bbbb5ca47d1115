package io.chelonia.agent.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The kernel names a network namespace and a cgroup by the inode number of its file (nsfs,
 * cgroupfs): the same number the kernel programs record for a socket.
 */
public final class Inodes {
  private Inodes() {}

  /**
   * The inode number of the file, empty when it cannot be read: a process that exited between a
   * listing and this call, a cgroup removed meanwhile, a kernel thread without namespaces.
   */
  public static OptionalLong of(Path file) {
    try {
      return OptionalLong.of(((Number) Files.getAttribute(file, "unix:ino")).longValue());
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return OptionalLong.empty();
    }
  }
}
