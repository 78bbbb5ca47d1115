package io.chelonia.agent.export;

import io.chelonia.agent.link.LinkTotals;

/**
 * One series set as exported: a link's, or the overflow's.
 *
 * @param startNanos the start of the cumulative series, in epoch nanos
 */
record Series(SeriesAttributes attributes, long startNanos, LinkTotals totals) {}
