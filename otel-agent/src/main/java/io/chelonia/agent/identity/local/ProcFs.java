package io.chelonia.agent.identity.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads processes from a /proc tree (the machine's, or a copy in tests). A process read is kept for
 * {@link #RECENT_NANOS}: one poll names the ends of thousands of sockets that a handful of
 * processes own, and reading two files of /proc for each end was most of the poll's CPU.
 */
final class ProcFs {
  /**
   * How long a read stands for the process: far shorter than a poll interval, the lateness /proc
   * reads have anyway (a socket's process is read at the poll after it connected), and too short
   * for Linux to give the pid to a new process in between.
   */
  static final long RECENT_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** Past this many kept reads, those too old are forgotten. */
  private static final int MAX_KEPT = 1024;

  /**
   * Docker (docker-ID.scope, /docker/ID), containerd (cri-containerd-ID.scope), CRI-O
   * (crio-ID.scope).
   */
  private static final Pattern CONTAINER_ID =
      Pattern.compile("(?:^|[/-])([0-9a-f]{64})(?:\\.scope)?$");

  private final Path proc;
  private final LongSupplier nanoTime;
  private final Map<Integer, Read> recent = new ConcurrentHashMap<>();

  ProcFs(Path proc) {
    this(proc, System::nanoTime);
  }

  ProcFs(Path proc, LongSupplier nanoTime) {
    this.proc = proc;
    this.nanoTime = nanoTime;
  }

  Path root() {
    return proc;
  }

  /**
   * The process, or empty when it exited (or never was): read from /proc, or as read less than
   * {@link #RECENT_NANOS} ago. A pid found missing is kept missing as long: it comes from a
   * socket's record or the owner index, and a process given that pid since is not the one that held
   * the socket (a short-lived client gone before the poll is asked for once per end).
   */
  Optional<LocalProcess> process(int pid) {
    if (pid <= 0) {
      return Optional.empty();
    }
    long now = nanoTime.getAsLong();
    Read kept = recent.get(pid);
    if (kept != null && now - kept.at() < RECENT_NANOS) {
      return kept.process();
    }
    Optional<LocalProcess> read = read(pid);
    if (recent.size() >= MAX_KEPT) {
      recent.values().removeIf(old -> now - old.at() >= RECENT_NANOS);
    }
    recent.put(pid, new Read(read, now));
    return read;
  }

  private Optional<LocalProcess> read(int pid) {
    Path dir = proc.resolve(Integer.toString(pid));
    try {
      String comm = Files.readString(dir.resolve("comm")).strip();
      return Optional.of(
          new LocalProcess(pid, comm, containerId(Files.readString(dir.resolve("cgroup")))));
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

  private record Read(Optional<LocalProcess> process, long at) {}
}
