package io.chelonia.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host's cgroup root as PID 1 has it mounted, reached through PID 1's root: what an agent in a
 * cgroup namespace of its own attaches its cgroup programs to.
 */
class CgroupRootTest {
  @Test
  void hostHierarchyIsFoundUnderInitsRootWhereInitMountedIt(@TempDir Path proc) throws IOException {
    Path init = Files.createDirectories(proc.resolve("1"));
    Files.writeString(
        init.resolve("mounts"),
        """
        proc /proc proc rw,nosuid 0 0
        cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0
        cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
        """);
    Path hierarchy = Files.createDirectories(init.resolve("root/sys/fs/cgroup/unified"));

    assertThat(CgroupRoot.throughInit(init.resolve("root"))).contains(hierarchy);
  }

  @Test
  void noCgroupV2MountOrNothingThereIsNotFound(@TempDir Path proc) throws IOException {
    Path init = Files.createDirectories(proc.resolve("1"));
    Files.writeString(init.resolve("mounts"), "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n");
    assertThat(CgroupRoot.throughInit(init.resolve("root"))).as("no such directory").isEmpty();

    Files.writeString(init.resolve("mounts"), "cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n");
    Files.createDirectories(init.resolve("root/sys/fs/cgroup/cpu"));
    assertThat(CgroupRoot.throughInit(init.resolve("root"))).as("v1 only").isEmpty();

    assertThat(CgroupRoot.throughInit(proc.resolve("2/root"))).as("no such process").isEmpty();
  }

  /**
   * Through the real procfs, with this process in PID 1's place: this VM's PID 1 refuses access to
   * its root even to root, which a node's init does not.
   */
  @Test
  void aProcessRootInProcfsLeadsToTheSameHierarchyAsOurOwnMount() throws IOException {
    Path own =
        CgroupRoot.fromMounts(Files.readAllLines(Path.of("/proc/self/mounts"))).orElseThrow();
    Path root = Path.of("/proc", String.valueOf(ProcessHandle.current().pid()), "root");
    Path throughRoot = CgroupRoot.throughInit(root).orElseThrow();

    assertThat(throughRoot).isEqualTo(Path.of(root + own.toString()));
    assertThat(Files.isSameFile(throughRoot, own)).isTrue();
  }
}
