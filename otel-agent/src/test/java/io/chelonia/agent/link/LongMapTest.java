package io.chelonia.agent.link;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LongMapTest {
  @Test
  void keepsPutValuesReplacesAndRemovesThem() {
    LongMap<String> map = new LongMap<>();

    assertThat(map.put(7, "seven")).isNull();
    assertThat(map.put(-1, "minus one")).isNull();
    assertThat(map.put(0, "zero")).isNull();
    assertThat(map.put(7, "SEVEN")).isEqualTo("seven");

    assertThat(map.size()).isEqualTo(3);
    assertThat(map.get(7)).isEqualTo("SEVEN");
    assertThat(map.get(0)).isEqualTo("zero");
    assertThat(map.get(8)).isNull();
    assertThat(map.containsKey(-1)).isTrue();
    assertThat(map.remove(-1)).isEqualTo("minus one");
    assertThat(map.remove(-1)).isNull();
    assertThat(map.containsKey(-1)).isFalse();
    assertThat(map.size()).isEqualTo(2);
  }

  @Test
  void agreesWithAHashMapThroughGrowthAndRemovalsAmongCollidingKeys() {
    LongMap<Long> map = new LongMap<>();
    Map<Long, Long> reference = new HashMap<>();
    Random random = new Random(42);
    for (int step = 0; step < 200_000; step++) {
      // Few distinct keys, some sequential like cookies and some far apart: runs of probes
      // overlap, so removals must shift entries back correctly.
      long key = random.nextBoolean() ? random.nextInt(5_000) : ((long) random.nextInt(64)) << 40;
      if (random.nextInt(3) == 0) {
        assertThat(map.remove(key)).isEqualTo(reference.remove(key));
      } else {
        assertThat(map.put(key, (long) step)).isEqualTo(reference.put(key, (long) step));
      }
    }
    assertThat(map.size()).isEqualTo(reference.size());
    for (long key = 0; key < 5_000; key++) {
      assertThat(map.get(key)).isEqualTo(reference.get(key));
    }
    for (long high = 0; high < 64; high++) {
      assertThat(map.get(high << 40)).isEqualTo(reference.get(high << 40));
    }
    List<Long> values = new ArrayList<>();
    map.forEachValue(values::add);
    assertThat(values).containsExactlyInAnyOrderElementsOf(reference.values());
  }

  @Test
  void removeIfRemovesExactlyTheAcceptedValuesAndHandsEachOverOnce() {
    LongMap<Long> map = new LongMap<>();
    for (long cookie = 1; cookie <= 10_000; cookie++) {
      map.put(cookie, cookie);
    }
    List<Long> removed = new ArrayList<>();

    map.removeIf(value -> value % 3 == 0, removed::add);

    assertThat(removed).hasSize(3_333).allMatch(value -> value % 3 == 0).doesNotHaveDuplicates();
    assertThat(map.size()).isEqualTo(10_000 - 3_333);
    for (long cookie = 1; cookie <= 10_000; cookie++) {
      assertThat(map.get(cookie)).isEqualTo(cookie % 3 == 0 ? null : cookie);
    }
  }
}
