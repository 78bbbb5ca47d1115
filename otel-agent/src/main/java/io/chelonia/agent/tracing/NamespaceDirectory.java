package io.chelonia.agent.tracing;

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
    Long inode = inode(proc.resolve("self/ns/net"));
    if (inode == null) {
      throw new IllegalStateException("cannot read " + proc.resolve("self/ns/net"));
    }
    return inode;
  }

  /** Namespace inode to a path that enters it; the first path found for each namespace wins. */
  public Map<Long, Path> scan() {
    Map<Long, Path> found = new LinkedHashMap<>();
    addAll(pinned, "*", found, false);
    addAll(proc, "[0-9]*", found, true);
    return found;
  }

  private static void addAll(Path directory, String glob, Map<Long, Path> found, boolean processes) {
    if (!Files.isDirectory(directory)) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, glob)) {
      for (Path entry : entries) {
        Path namespace = processes ? entry.resolve("ns/net") : entry;
        Long inode = inode(namespace);
        if (inode != null) {
          found.putIfAbsent(inode, namespace);
        }
      }
    } catch (IOException e) {
      // The directory vanished or is unreadable: fewer namespaces this time, not a failure.
    }
  }

  private static Long inode(Path namespace) {
    try {
      return ((Number) Files.getAttribute(namespace, "unix:ino")).longValue();
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      // A process that exited between listing and stat; a kernel thread without namespaces.
      return null;
    }
  }
}
