package io.chelonia.agent.identity.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads processes from a /proc tree (the machine's, or a copy in tests). */
final class ProcFs {
  /** Docker (docker-ID.scope, /docker/ID), containerd (cri-containerd-ID.scope), CRI-O (crio-ID.scope). */
  private static final Pattern CONTAINER_ID = Pattern.compile("(?:^|[/-])([0-9a-f]{64})(?:\\.scope)?$");

  private final Path proc;

  ProcFs(Path proc) {
    this.proc = proc;
  }

  Path root() {
    return proc;
  }

  /** The process, or empty when it exited (or never was). */
  Optional<LocalProcess> process(int pid) {
    if (pid <= 0) {
      return Optional.empty();
    }
    Path dir = proc.resolve(Integer.toString(pid));
    try {
      String comm = Files.readString(dir.resolve("comm")).strip();
      return Optional.of(new LocalProcess(pid, comm, containerId(Files.readString(dir.resolve("cgroup")))));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The container id in a /proc/PID/cgroup file: the innermost 64-hex-digit path element. */
  static Optional<String> containerId(String cgroupFile) {
    for (String line : cgroupFile.strip().split("\n")) {
      int colon = line.lastIndexOf(':');
      String path = colon < 0 ? line : line.substring(colon + 1);
      for (String element : path.split("/")) {
        Matcher id = CONTAINER_ID.matcher(element);
        if (id.find()) {
          return Optional.of(id.group(1));
        }
      }
    }
    return Optional.empty();
  }
}
