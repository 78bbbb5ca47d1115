package io.chelonia.agent.identity.kubernetes;

import io.chelonia.agent.kernel.Inodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Which pod a cgroup belongs to, for processes that share their node's network (hostNetwork pods):
 * their sockets carry the node's address, but the kubelet puts each pod in a cgroup whose path
 * holds the pod's UID ({@code kubepods-besteffort-pod<uid>.slice} with systemd, {@code
 * kubepods/besteffort/pod<uid>} with cgroupfs). A cgroup v2 id is the inode of the cgroup's
 * directory, so a walk of the hierarchy maps ids to pods. The walk runs in the background, at most
 * once per {@code rescanNanos}, when an id not seen before is asked for.
 */
final class CgroupPods {
  private static final Pattern POD_UID =
      Pattern.compile(
          "pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})");
  private static final String NOT_A_POD = "";
  private static final long FORGET_MISSING_NANOS = Duration.ofMinutes(10).toNanos();

  private final Path root;
  private final Executor background;
  private final LongSupplier nanoTime;
  private final long rescanNanos;
  private final AtomicBoolean scanning = new AtomicBoolean();

  /** Every cgroup at the last walk: the pod UID, or {@link #NOT_A_POD}. */
  private volatile Map<Long, String> pods = Map.of();

  /** Cgroups asked for and not found yet: when first asked. */
  private final Map<Long, Long> unknown = new ConcurrentHashMap<>();

  private volatile long lastScanStartNanos;
  private volatile boolean scanned;

  CgroupPods(Path root, Executor background, LongSupplier nanoTime, long rescanNanos) {
    this.root = root;
    this.background = background;
    this.nanoTime = nanoTime;
    this.rescanNanos = rescanNanos;
  }

  /**
   * Whether it is known if the cgroup is a pod's; if not, a walk is started and the caller asks
   * again later. A cgroup that a walk begun after it was first asked for did not find is not a
   * pod's (no cgroup v2 here, or the cgroup is gone).
   */
  boolean knows(long cgroupId) {
    if (pods.containsKey(cgroupId)) {
      return true;
    }
    Long firstAsked = unknown.putIfAbsent(cgroupId, nanoTime.getAsLong());
    if (firstAsked != null && scanned && firstAsked - lastScanStartNanos < 0) {
      return true;
    }
    if ((!scanned || nanoTime.getAsLong() - lastScanStartNanos >= rescanNanos)
        && scanning.compareAndSet(false, true)) {
      background.execute(this::scan);
    }
    return false;
  }

  /** The UID of the pod the cgroup belongs to; empty when it is not a pod's or not known. */
  Optional<String> podUid(long cgroupId) {
    String uid = pods.get(cgroupId);
    return uid == null || uid.equals(NOT_A_POD) ? Optional.empty() : Optional.of(uid);
  }

  private void scan() {
    long start = nanoTime.getAsLong();
    Map<Long, String> found = new HashMap<>();
    try (Stream<Path> dirs = Files.walk(root)) {
      dirs.forEach(
          dir -> {
            try {
              BasicFileAttributes attributes = Files.readAttributes(dir, BasicFileAttributes.class);
              if (attributes.isDirectory()) {
                Inodes.of(dir)
                    .ifPresent(
                        inode -> found.put(inode, podUidIn(root.relativize(dir).toString())));
              }
            } catch (IOException | UnsupportedOperationException e) {
              // A cgroup removed under the walk: nobody will ask for it.
            }
          });
    } catch (IOException | RuntimeException e) {
      // No cgroup v2 hierarchy here: every id stays unknown and ends are named by address.
    } finally {
      pods = Map.copyOf(found);
      // Cgroups come and go: forget the missing ones after a while, as their sockets have.
      unknown.values().removeIf(asked -> start - asked > FORGET_MISSING_NANOS);
      lastScanStartNanos = start;
      scanned = true;
      scanning.set(false);
    }
  }

  /** The pod UID in a cgroup path (kubelet's {@code pod<UID>} element), or NOT_A_POD. */
  static String podUidIn(String path) {
    Matcher matcher = POD_UID.matcher(path);
    String uid = NOT_A_POD;
    while (matcher.find()) {
      uid = matcher.group(1).replace('_', '-');
    }
    return uid;
  }
}
