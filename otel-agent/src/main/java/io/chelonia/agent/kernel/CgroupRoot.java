package io.chelonia.agent.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the cgroup v2 hierarchy is mounted: {@code /sys/fs/cgroup} on a unified host, {@code
 * /sys/fs/cgroup/unified} on a hybrid one. A program attached to its root sees every process's
 * sockets, every container's included.
 */
final class CgroupRoot {
  private static final Logger LOG = LoggerFactory.getLogger(CgroupRoot.class);
  private static final Path MOUNTS = Path.of("/proc/self/mounts");

  private CgroupRoot() {}

  /**
   * Whether this process shares the cgroup namespace of PID 1 (the host's init when the agent sees
   * the host's processes). In a cgroup namespace of its own (a container's default on cgroup v2)
   * the root it finds is its own container's, and a program attached there sees only that
   * container's sockets: said once, in the log.
   */
  static void warnIfOwnNamespace() {
    OptionalLong own = Inodes.of(Path.of("/proc/self/ns/cgroup"));
    OptionalLong init = Inodes.of(Path.of("/proc/1/ns/cgroup"));
    if (own.isPresent() && init.isPresent() && own.getAsLong() != init.getAsLong()) {
      LOG.warn(
          "names from DNS answers: this agent runs in a cgroup namespace of its own, so the"
              + " cgroup root it attaches to is its own container's and it sees only that"
              + " container's DNS answers; run it in the host's cgroup namespace");
    }
  }

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
