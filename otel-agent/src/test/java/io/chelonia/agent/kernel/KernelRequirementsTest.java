package io.chelonia.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** KernelRequirements against fake /proc and /sys trees. */
class KernelRequirementsTest {
  private static final String MODERN_KERNEL = "6.18.44-fc";
  private static final String ALL_CAPS = "000001ffffffffff";

  @TempDir Path root;

  @Test
  void modernKernelWithBtfAndFullCapabilitiesPasses() throws IOException {
    KernelRequirements requirements = system(MODERN_KERNEL, true, ALL_CAPS);

    assertThatCode(requirements::verify).doesNotThrowAnyException();
  }

  @Test
  void oldKernelFails() throws IOException {
    KernelException e = failure(system("5.4.0-150-generic", true, ALL_CAPS));

    assertThat(e.getMessage()).contains("too old").contains("5.12");
  }

  @Test
  void missingBtfFails() throws IOException {
    KernelException e = failure(system(MODERN_KERNEL, false, ALL_CAPS));

    assertThat(e.getMessage()).contains("BTF").contains("CONFIG_DEBUG_INFO_BTF");
  }

  @Test
  void noCapabilitiesFails() throws IOException {
    KernelException e = failure(system(MODERN_KERNEL, true, "0000000000000000"));

    assertThat(e.getMessage()).contains("CAP_BPF");
  }

  @Test
  void capBpfAndCapPerfmonAreEnough() throws IOException {
    KernelRequirements requirements = system(MODERN_KERNEL, true, "000000c000000000");

    assertThatCode(requirements::verify).doesNotThrowAnyException();
  }

  @Test
  void capSysAdminAloneIsEnough() throws IOException {
    KernelRequirements requirements = system(MODERN_KERNEL, true, "0000000000200000");

    assertThatCode(requirements::verify).doesNotThrowAnyException();
  }

  /** Builds {@code root/proc} and {@code root/sys} and a KernelRequirements reading them. */
  private KernelRequirements system(String release, boolean btf, String capEff) throws IOException {
    Path proc = root.resolve("proc");
    Path sys = root.resolve("sys");
    write(proc.resolve("sys/kernel/osrelease"), release + "\n");
    write(
        proc.resolve("self/status"),
        "Name:\tjava\nUmask:\t0022\nState:\tR (running)\n"
            + "CapInh:\t0000000000000000\nCapPrm:\t"
            + capEff
            + "\nCapEff:\t"
            + capEff
            + "\n"
            + "CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n");
    Files.createDirectories(sys.resolve("kernel"));
    if (btf) {
      write(sys.resolve("kernel/btf/vmlinux"), "BTF");
    }
    return new KernelRequirements(proc, sys);
  }

  private static void write(Path file, String content) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  /** Runs verify(), asserts it throws a KernelException with a one-line message, returns it. */
  private static KernelException failure(KernelRequirements requirements) {
    KernelException e = catchThrowableOfType(KernelException.class, requirements::verify);
    assertThat(e).as("verify() should throw a KernelException").isNotNull();
    assertThat(e).isExactlyInstanceOf(KernelException.class);
    assertThat(e.getMessage()).as("message is one line").doesNotContain("\n");
    return e;
  }
}
