package io.chelonia.agent.link;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A map from {@code long} keys (socket cookies) to values, without a boxed key or an entry object
 * per mapping: two arrays, open addressing with linear probing, deletion by shifting back. The link
 * table keeps one entry per socket on the node; a {@code HashMap<Long, V>} cost about 50 bytes per
 * socket for its key and node, and a boxed key per lookup. Of the libraries that have such a map
 * (fastutil, HPPC, Eclipse Collections, Agrona), none is on the agent's classpath, and one map does
 * not justify a megabyte-sized dependency.
 *
 * <p>Values are never null: a null slot is an empty one. Not thread-safe.
 *
 * @param <V> what is kept per key
 */
final class LongMap<V> {
  private static final int MIN_CAPACITY = 16;

  private long[] keys;
  private Object[] values;
  private int size;

  LongMap() {
    keys = new long[MIN_CAPACITY];
    values = new Object[MIN_CAPACITY];
  }

  int size() {
    return size;
  }

  /** The value for {@code key}, or null. */
  V get(long key) {
    int mask = values.length - 1;
    for (int i = slot(key, mask); values[i] != null; i = (i + 1) & mask) {
      if (keys[i] == key) {
        return value(i);
      }
    }
    return null;
  }

  boolean containsKey(long key) {
    return get(key) != null;
  }

  /** Maps {@code key} to {@code value}; returns the value it replaced, or null. */
  V put(long key, V value) {
    Objects.requireNonNull(value, "value");
    int mask = values.length - 1;
    int i = slot(key, mask);
    for (; values[i] != null; i = (i + 1) & mask) {
      if (keys[i] == key) {
        V old = value(i);
        values[i] = value;
        return old;
      }
    }
    keys[i] = key;
    values[i] = value;
    // At most three quarters full: probes stay short.
    if (++size > values.length - values.length / 4) {
      resize(values.length * 2);
    }
    return null;
  }

  /** Removes {@code key}'s mapping; returns its value, or null when there was none. */
  V remove(long key) {
    int mask = values.length - 1;
    for (int i = slot(key, mask); values[i] != null; i = (i + 1) & mask) {
      if (keys[i] == key) {
        V old = value(i);
        shiftBack(i, mask);
        size--;
        return old;
      }
    }
    return null;
  }

  /**
   * Removes the values {@code lost} accepts, handing each to {@code removed}. Two passes: the first
   * only looks, so that shifting entries back never makes the scan skip or revisit one.
   */
  void removeIf(Predicate<? super V> lost, Consumer<? super V> removed) {
    long[] doomed = new long[8];
    int count = 0;
    for (int i = 0; i < values.length; i++) {
      if (values[i] != null && lost.test(value(i))) {
        if (count == doomed.length) {
          doomed = Arrays.copyOf(doomed, count * 2);
        }
        doomed[count++] = keys[i];
      }
    }
    for (int n = 0; n < count; n++) {
      removed.accept(remove(doomed[n]));
    }
  }

  /** Hands every value to {@code action}, in no particular order. */
  void forEachValue(Consumer<? super V> action) {
    for (Object value : values) {
      if (value != null) {
        action.accept(value(value));
      }
    }
  }

  /**
   * Empties slot {@code gap} by moving back the entries after it that probed past it, so every
   * entry stays reachable from its home slot without a tombstone.
   */
  private void shiftBack(int gap, int mask) {
    for (int i = (gap + 1) & mask; values[i] != null; i = (i + 1) & mask) {
      int home = slot(keys[i], mask);
      // The entry may fill the gap when the gap lies on its path from home to where it is.
      if (((i - home) & mask) >= ((i - gap) & mask)) {
        keys[gap] = keys[i];
        values[gap] = values[i];
        gap = i;
      }
    }
    keys[gap] = 0;
    values[gap] = null;
  }

  private void resize(int capacity) {
    long[] oldKeys = keys;
    Object[] oldValues = values;
    keys = new long[capacity];
    values = new Object[capacity];
    int mask = capacity - 1;
    for (int j = 0; j < oldValues.length; j++) {
      if (oldValues[j] != null) {
        int i = slot(oldKeys[j], mask);
        while (values[i] != null) {
          i = (i + 1) & mask;
        }
        keys[i] = oldKeys[j];
        values[i] = oldValues[j];
      }
    }
  }

  /** Cookies count up from one: mixed, so that neighbours do not crowd one run of slots. */
  private static int slot(long key, int mask) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }

  private V value(int i) {
    return value(values[i]);
  }

  @SuppressWarnings("unchecked")
  private static <V> V value(Object value) {
    return (V) value;
  }
}
