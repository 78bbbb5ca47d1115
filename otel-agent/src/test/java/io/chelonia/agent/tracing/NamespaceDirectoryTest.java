package io.chelonia.agent.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fake /proc and /run/netns of regular files: the directory only reads each file's inode, so
 * different files are different namespaces and hard links of one file are the same namespace.
 */
class NamespaceDirectoryTest {
  @TempDir Path root;

  private Path proc;
  private Path pinned;
  private Path namespaces;

  @BeforeEach
  void createRoots() throws IOException {
    proc = Files.createDirectories(root.resolve("proc"));
    pinned = Files.createDirectories(root.resolve("run/netns"));
    namespaces = Files.createDirectories(root.resolve("nsfs"));
  }

  @Test
  void processesSharingANamespaceAndAPinnedNamespaceAreTwoNamespaces() throws IOException {
    Path shared = namespace("shared");
    Path blue = namespace("blue");
    processIn(100, shared);
    processIn(200, shared);
    pin("blue", blue);

    Map<Long, Path> found = directory().scan();

    assertThat(found).containsOnlyKeys(inode(shared), inode(blue));
    assertThat(found.get(inode(shared)))
        .isIn(proc.resolve("100/ns/net"), proc.resolve("200/ns/net"));
    assertThat(found.get(inode(blue))).isEqualTo(pinned.resolve("blue"));
  }

  @Test
  void pinnedPathWinsOverAProcessInTheSameNamespace() throws IOException {
    Path red = namespace("red");
    processIn(100, red);
    processIn(300, red);
    pin("red", red);

    Map<Long, Path> found = directory().scan();

    assertThat(found).containsExactly(Map.entry(inode(red), pinned.resolve("red")));
  }

  @Test
  void processDirectoryWithoutNsNetIsSkipped() throws IOException {
    Path shared = namespace("shared");
    processIn(100, shared);
    Files.createDirectories(proc.resolve("2/ns")); // a kernel thread: no ns/net to read
    Files.createDirectories(proc.resolve("3")); // exited between listing and stat

    Map<Long, Path> found = directory().scan();

    assertThat(found).containsExactly(Map.entry(inode(shared), proc.resolve("100/ns/net")));
  }

  @Test
  void entriesOfProcThatAreNotProcessesAreIgnored() throws IOException {
    Path own = namespace("own");
    Files.createDirectories(proc.resolve("self/ns"));
    Files.createLink(proc.resolve("self/ns/net"), own);
    Files.createDirectories(proc.resolve("net/ns"));
    Files.createFile(proc.resolve("net/ns/net"));

    assertThat(directory().scan()).isEmpty();
  }

  @Test
  void missingDirectoriesGiveNoNamespaces() {
    NamespaceDirectory nowhere =
        new NamespaceDirectory(root.resolve("no-proc"), root.resolve("no-netns"));

    assertThat(nowhere.scan()).isEmpty();
  }

  @Test
  void ownIsTheInodeOfSelfNsNet() throws IOException {
    Path own = namespace("own");
    Files.createDirectories(proc.resolve("self/ns"));
    Files.createLink(proc.resolve("self/ns/net"), own);

    assertThat(directory().own()).isEqualTo(inode(own));
  }

  @Test
  void ownFailsWhenSelfNsNetCannotBeRead() {
    assertThatThrownBy(() -> directory().own())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("self/ns/net");
  }

  private NamespaceDirectory directory() {
    return new NamespaceDirectory(proc, pinned);
  }

  private Path namespace(String name) throws IOException {
    return Files.createFile(namespaces.resolve(name));
  }

  private void processIn(int pid, Path namespace) throws IOException {
    Path ns = Files.createDirectories(proc.resolve(pid + "/ns"));
    Files.createLink(ns.resolve("net"), namespace);
  }

  private void pin(String name, Path namespace) throws IOException {
    Files.createLink(pinned.resolve(name), namespace);
  }

  private static long inode(Path file) throws IOException {
    return ((Number) Files.getAttribute(file, "unix:ino")).longValue();
  }
}
