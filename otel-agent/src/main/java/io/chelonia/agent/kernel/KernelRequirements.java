package io.chelonia.agent.kernel;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks, before anything reaches libbpf, what the kernel programs need, so the user gets one line
 * naming the missing piece instead of a verifier or loader error.
 */
public final class KernelRequirements {
  /** tp_btf, iter/tcp, bpf_skc_to_tcp_sock and bpf_get_socket_cookie in tracing programs. */
  public static final int MIN_MAJOR = 5;

  public static final int MIN_MINOR = 12;

  private static final int CAP_SYS_ADMIN = 21;
  private static final int CAP_PERFMON = 38;
  private static final int CAP_BPF = 39;
  private static final Pattern RELEASE = Pattern.compile("^(\\d+)\\.(\\d+)");
  private static final Pattern CAP_EFF = Pattern.compile("(?m)^CapEff:\\s*([0-9a-fA-F]+)");

  private final Path proc;
  private final Path sys;

  /** Reads the running system. */
  public KernelRequirements() {
    this(Path.of("/proc"), Path.of("/sys"));
  }

  /** Reads a system whose /proc and /sys are mounted elsewhere (tests, containers). */
  public KernelRequirements(Path proc, Path sys) {
    this.proc = proc;
    this.sys = sys;
  }

  /**
   * @throws KernelException naming the first requirement that is not met
   */
  public void verify() {
    verifyKernelVersion();
    verifyBtf();
    verifyCapabilities();
  }

  void verifyKernelVersion() {
    String release = read(proc.resolve("sys/kernel/osrelease")).strip();
    Matcher version = RELEASE.matcher(release);
    if (!version.find()) {
      throw new KernelException("cannot read the kernel version from '" + release + "'");
    }
    int major = Integer.parseInt(version.group(1));
    int minor = Integer.parseInt(version.group(2));
    if (major < MIN_MAJOR || (major == MIN_MAJOR && minor < MIN_MINOR)) {
      throw new KernelException(
          "kernel "
              + release
              + " is too old: Chelonia needs Linux "
              + MIN_MAJOR
              + "."
              + MIN_MINOR
              + " or newer");
    }
  }

  void verifyBtf() {
    Path btf = sys.resolve("kernel/btf/vmlinux");
    if (!Files.isReadable(btf)) {
      throw new KernelException(
          "no kernel BTF at "
              + btf
              + ": Chelonia needs a kernel built with"
              + " CONFIG_DEBUG_INFO_BTF=y (most distributions since 2021 are)");
    }
  }

  void verifyCapabilities() {
    String status = read(proc.resolve("self/status"));
    Matcher effective = CAP_EFF.matcher(status);
    if (!effective.find()) {
      throw new KernelException(
          "cannot read the effective capabilities from " + proc + "/self/status");
    }
    BigInteger caps = new BigInteger(effective.group(1), 16);
    boolean bpfAndPerfmon = caps.testBit(CAP_BPF) && caps.testBit(CAP_PERFMON);
    if (!bpfAndPerfmon && !caps.testBit(CAP_SYS_ADMIN)) {
      throw new KernelException(
          "missing privileges: run as root, or grant CAP_BPF and CAP_PERFMON"
              + " (and CAP_SYS_ADMIN to follow other network namespaces)");
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new KernelException("cannot read " + file + ": " + e.getMessage());
    }
  }
}
