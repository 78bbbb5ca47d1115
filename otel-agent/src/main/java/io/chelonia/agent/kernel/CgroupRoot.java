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
  private static final Path INIT_ROOT = Path.of("/proc/1/root");

  private CgroupRoot() {}

  /**
   * The cgroup v2 root to attach to. In the host's cgroup namespace, the hierarchy as this process
   * has it mounted. In a cgroup namespace of its own (a container's default on cgroup v2, and the
   * chart's pod: Kubernetes has no host cgroup namespace setting) that mount's root is the agent's
   * own container, whose programs would see only its own sockets; with the host's processes in view
   * (hostPID) the host's hierarchy is reached instead through PID 1's root, as PID 1 has it mounted
   * (ptrace access to PID 1, which the chart's SYS_PTRACE gives). When that cannot be read, the
   * agent's own root is used and said once.
   *
   * @throws KernelException when no cgroup v2 hierarchy is mounted
   */
  static Path find() {
    OptionalLong own = Inodes.of(Path.of("/proc/self/ns/cgroup"));
    OptionalLong init = Inodes.of(Path.of("/proc/1/ns/cgroup"));
    if (own.isPresent() && init.isPresent() && own.getAsLong() != init.getAsLong()) {
      Optional<Path> host = throughInit(INIT_ROOT);
      if (host.isPresent()) {
        LOG.info(
            "cgroup programs: attached to the host's cgroup root, {}, as this agent runs in a"
                + " cgroup namespace of its own",
            host.get());
        return host.get();
      }
      LOG.warn(
          "cgroup programs: this agent runs in a cgroup namespace of its own and cannot read the"
              + " host's cgroup root through {} (it needs the host's PID namespace and ptrace"
              + " access to PID 1), so they see only its own container's sockets",
          INIT_ROOT);
    }
    return own(MOUNTS)
        .orElseThrow(
            () ->
                new KernelException(
                    "no cgroup v2 hierarchy is mounted (the cgroup programs attach there):"
                        + " mount -t cgroup2 none /sys/fs/cgroup/unified"));
  }

  /** The cgroup v2 hierarchy as PID 1 has it mounted, under {@code initRoot} (its root). */
  static Optional<Path> throughInit(Path initRoot) {
    try {
      return fromMounts(Files.readAllLines(initRoot.resolveSibling("mounts")))
          .map(mount -> initRoot.resolve(initRoot.getRoot().relativize(mount)))
          .filter(Files::isDirectory);
    } catch (IOException | SecurityException e) {
      return Optional.empty();
    }
  }

  private static Optional<Path> own(Path mounts) {
    try {
      return fromMounts(Files.readAllLines(mounts));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + mounts, e);
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
