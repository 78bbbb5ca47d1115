package io.chelonia.agent.link;

import io.chelonia.agent.kernel.SocketSnapshot;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiPredicate;

/**
 * Holds back, for a few polls, the sockets whose ends were known only by their address at first
 * sight, while the name sources answer (a fresh /proc owner index, a Kubernetes watch event, a
 * reverse-DNS lookup). Counters cannot move from one series to another once exported, so a socket
 * counted under its address and then under its name would draw two edges for one link; waiting a
 * little avoids the split. Nothing is lost: a held socket's counters are cumulative in its latest
 * record, which is counted whole when it is let go, with the RTT samples of the polls it waited and
 * its close, if it closed meanwhile.
 *
 * @param <T> what the table keeps per socket (its role and names)
 */
final class NamingWait<T> {
  /** How many polls a socket waits, at most, for a name before it is counted under its address. */
  static final int DEFAULT_POLLS = 2;

  private final int polls;
  private final Map<Long, Waiting<T>> waiting = new LinkedHashMap<>();
  private long fallbacks;

  /**
   * @param polls at most this many polls after first sight; 0 never holds a socket back
   */
  NamingWait(int polls) {
    if (polls < 0) {
      throw new IllegalArgumentException("naming wait must be 0 or more polls, not " + polls);
    }
    this.polls = polls;
  }

  /**
   * Takes a socket first seen at {@code poll} whose names are not final yet.
   *
   * @param seen the caller's mark of this sighting, handed back when the socket is let go
   * @return false when waiting is off: the caller counts the socket now
   */
  boolean start(SocketSnapshot socket, T tracked, long poll, long seen) {
    if (polls == 0) {
      return false;
    }
    Waiting<T> entry = new Waiting<>(tracked, poll);
    entry.update(socket, seen);
    waiting.put(socket.cookie(), entry);
    return true;
  }

  /**
   * Takes a newer record of a socket already waiting.
   *
   * @param seen the caller's mark of this sighting
   * @return false when the socket is not waiting
   */
  boolean update(SocketSnapshot socket, long seen) {
    Waiting<T> entry = waiting.get(socket.cookie());
    if (entry == null) {
      return false;
    }
    entry.update(socket, seen);
    return true;
  }

  /**
   * Lets go of the sockets that have their names now ({@code rename} asks again, from the latest
   * record, and says whether the names are final) and of those that waited {@code polls} polls,
   * which keep their addresses and are counted as fallbacks. Names are not asked again in the poll
   * of first sight.
   */
  void release(long poll, BiPredicate<T, SocketSnapshot> rename, Released<T> count) {
    Iterator<Waiting<T>> it = waiting.values().iterator();
    while (it.hasNext()) {
      Waiting<T> entry = it.next();
      if (poll == entry.since) {
        continue;
      }
      boolean named = rename.test(entry.tracked, entry.latest);
      if (named || poll - entry.since >= polls) {
        if (!named) {
          fallbacks++;
        }
        it.remove();
        count.count(
            entry.tracked,
            entry.latest,
            Arrays.copyOf(entry.rttSamples, entry.rttCount),
            entry.lastSeen);
      }
    }
  }

  /** Sockets held back now. */
  int size() {
    return waiting.size();
  }

  /** Sockets that waited the whole time and were counted under an address all the same. */
  long fallbacks() {
    return fallbacks;
  }

  /** Counts a socket let go. */
  @FunctionalInterface
  interface Released<T> {
    /**
     * @param latest the socket's latest record: its counters hold all it carried so far
     * @param rttSamples the smoothed RTT of each record, while it waited, that moved bytes
     * @param lastSeen the mark given with the last record of the socket
     */
    void count(T tracked, SocketSnapshot latest, int[] rttSamples, long lastSeen);
  }

  private static final class Waiting<T> {
    final T tracked;
    final long since;
    SocketSnapshot latest;
    long lastSeen;
    int[] rttSamples = new int[2];
    int rttCount;

    Waiting(T tracked, long since) {
      this.tracked = tracked;
      this.since = since;
    }

    void update(SocketSnapshot socket, long seen) {
      // A close is the final record: a live one harvested in the same poll never replaces it.
      if (latest != null && latest.closed()) {
        return;
      }
      long sentBefore = latest == null ? 0 : latest.bytesSent();
      long receivedBefore = latest == null ? 0 : latest.bytesReceived();
      // One sample per record that moved data, as the table takes for sockets it counts.
      if (socket.smoothedRttMicros() > 0
          && (socket.bytesSent() > sentBefore || socket.bytesReceived() > receivedBefore)) {
        if (rttCount == rttSamples.length) {
          rttSamples = Arrays.copyOf(rttSamples, rttCount * 2);
        }
        rttSamples[rttCount++] = socket.smoothedRttMicros();
      }
      latest = socket;
      lastSeen = seen;
    }
  }
}
