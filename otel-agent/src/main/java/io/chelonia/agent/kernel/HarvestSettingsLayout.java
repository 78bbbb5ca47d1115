package io.chelonia.agent.kernel;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * The Java mirror of {@code struct harvest_settings} in bpf/include/chelonia.h: what the agent
 * tells the programs before each harvest pass. A test compares it with the BTF of the object.
 */
final class HarvestSettingsLayout {
  static final StructLayout LAYOUT =
      MemoryLayout.structLayout(
          JAVA_INT.withName("pass"), JAVA_INT.withName("mode"), JAVA_LONG.withName("max_sockets"));

  private static final long PASS = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("pass"));
  private static final long MODE = LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("mode"));
  private static final long MAX_SOCKETS =
      LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("max_sockets"));

  private HarvestSettingsLayout() {}

  static void write(MemorySegment value, int pass, HarvestMode mode, long maxSockets) {
    value.set(JAVA_INT, PASS, pass);
    value.set(JAVA_INT, MODE, mode.kernelValue);
    value.set(JAVA_LONG, MAX_SOCKETS, maxSockets);
  }
}
