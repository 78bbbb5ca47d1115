package io.chelonia.agent.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where the cgroup v2 hierarchy is mounted: {@code /sys/fs/cgroup} on a unified host, {@code
 * /sys/fs/cgroup/unified} on a hybrid one. A program attached to its root sees every process's
 * sockets, every container's included.
 */
final class CgroupRoot {
  private static final Path MOUNTS = Path.of("/proc/self/mounts");

  private CgroupRoot() {}

  /**
   * @throws KernelException when no cgroup v2 hierarchy is mounted
   */
  static Path find() {
    try {
      return fromMounts(Files.readAllLines(MOUNTS))
          .orElseThrow(
              () ->
                  new KernelException(
                      "no cgroup v2 hierarchy is mounted (names from DNS attach there):"
                          + " mount -t cgroup2 none /sys/fs/cgroup/unified"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + MOUNTS, e);
    }
  }

  /** The first cgroup2 mount in /proc/mounts lines ("device dir type options ..."). */
  static Optional<Path> fromMounts(List<String> lines) {
    for (String line : lines) {
      String[] fields = line.split(" ");
      if (fields.length > 2 && fields[2].equals("cgroup2")) {
        return Optional.of(Path.of(fields[1]));
      }
    }
    return Optional.empty();
  }
}
