package io.chelonia.agent.tracing;

import io.chelonia.agent.kernel.Inodes;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Finds every network namespace on the machine, each with one nsfs path to enter it by: those of
 * running processes (/proc/PID/ns/net) and those pinned by name (/run/netns/NAME, as `ip netns`
 * does). A namespace with no process and no pin has no sockets left to watch.
 */
public final class NamespaceDirectory {
  private final Path proc;
  private final Path pinned;

  public NamespaceDirectory() {
    this(Path.of("/proc"), Path.of("/run/netns"));
  }

  public NamespaceDirectory(Path proc, Path pinned) {
    this.proc = proc;
    this.pinned = pinned;
  }

  /** The agent's own namespace inode. */
  public long own() {
    Path own = proc.resolve("self/ns/net");
    return Inodes.of(own).orElseThrow(() -> new IllegalStateException("cannot read " + own));
  }

  /** Namespace inode to a path that enters it; the first path found for each namespace wins. */
  public Map<Long, Path> scan() {
    Map<Long, Path> found = new LinkedHashMap<>();
    addAll(pinned, "*", found, false);
    addAll(proc, "[0-9]*", found, true);
    return found;
  }

  private static void addAll(
      Path directory, String glob, Map<Long, Path> found, boolean processes) {
    if (!Files.isDirectory(directory)) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, glob)) {
      for (Path entry : entries) {
        Path namespace = processes ? entry.resolve("ns/net") : entry;
        Inodes.of(namespace).ifPresent(inode -> found.putIfAbsent(inode, namespace));
      }
    } catch (IOException e) {
      // The directory vanished or is unreadable: fewer namespaces this time, not a failure.
    }
  }
}
