package io.chelonia.agent.export;

import java.util.List;

/**
 * The series of one poll, as exporter threads read them.
 *
 * @param admitted the links with a series of their own
 * @param overflow the sum of the others, null while there have been none
 * @param overflowLinks links summed into the overflow series now
 */
record SeriesSnapshot(List<Series> admitted, Series overflow, int overflowLinks) {
  static final SeriesSnapshot EMPTY = new SeriesSnapshot(List.of(), null, 0);

  SeriesSnapshot {
    admitted = List.copyOf(admitted);
  }
}
