package io.chelonia.agent.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** This process's resident set size, from {@code /proc/self/status} (the kernel's own figure). */
final class ResidentMemory {
  private static final Path STATUS = Path.of("/proc/self/status");

  private ResidentMemory() {}

  /** VmRSS in bytes; empty where /proc is not readable (never an error on a metrics thread). */
  static OptionalLong bytes() {
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith("VmRSS:")) {
          // "VmRSS:     123456 kB": the kernel's kB are KiB.
          String kib = line.substring("VmRSS:".length()).strip().split("\\s+")[0];
          return OptionalLong.of(Long.parseLong(kib) * 1024);
        }
      }
    } catch (IOException | RuntimeException e) {
      // Fall through: no sample rather than a broken collection.
    }
    return OptionalLong.empty();
  }
}
