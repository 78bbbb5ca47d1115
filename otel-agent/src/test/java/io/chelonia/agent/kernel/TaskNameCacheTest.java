package io.chelonia.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TaskNameCacheTest {
  private final TaskNameCache cache = new TaskNameCache();
  private final Arena arena = Arena.ofAuto();

  @Test
  void nameEndsAtItsFirstNulAndIsOneObjectForTheSameBytes() {
    String curl = cache.get(comm("curl"), 0);

    assertThat(curl).isEqualTo("curl");
    assertThat(cache.get(comm("curl"), 0)).isSameAs(curl);
    assertThat(cache.get(comm(""), 0)).isEmpty();
    assertThat(cache.get(comm("0123456789abcdef"), 0)).isEqualTo("0123456789abcdef");
  }

  @Test
  void moreNamesThanSlotsAreAllDecodedRight() {
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < TaskNameCache.SLOTS * 4; i++) {
        assertThat(cache.get(comm("worker-" + i), 0)).isEqualTo("worker-" + i);
      }
    }
  }

  private MemorySegment comm(String name) {
    MemorySegment segment = arena.allocate(TaskNameCache.LENGTH);
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    MemorySegment.copy(MemorySegment.ofArray(bytes), 0, segment, 0, bytes.length);
    return segment;
  }
}
