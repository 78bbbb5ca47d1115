package io.chelonia.agent.link;

import io.chelonia.agent.kernel.KernelCounters;
import java.util.Map;

/**
 * What the kernel programs could not do in place, counted since load: never silent.
 *
 * @param socketLimit sockets not tracked because the tracked-socket limit was reached
 * @param ringBufferFull closed sockets that found the ring buffer full (handed over through the
 *     overflow map instead, so they are still reported)
 * @param listenerMapFull listening ports not remembered because the listener map was full
 * @param closedDropped closed records neither the ring buffer nor the overflow map could take
 * @param closeLate closes the probes missed, closed out at destruction or by the harvest
 * @param storageFailed sockets whose record could not be created
 * @param dnsRingFull DNS answers not copied because their ring buffer was full (their names are not
 *     learned)
 * @param udpFlowsFull UDP datagrams not counted: their new flow found the flow map full
 * @param udpNoPeer UDP datagrams not counted: an unconnected socket read them without the sender's
 *     address
 * @param recursionMisses per attached program (every program attached is a key): runs the kernel
 *     skipped because the program was already running on that CPU
 */
public record KernelDrops(
    long socketLimit,
    long ringBufferFull,
    long listenerMapFull,
    long closedDropped,
    long closeLate,
    long storageFailed,
    long dnsRingFull,
    long udpFlowsFull,
    long udpNoPeer,
    Map<String, Long> recursionMisses) {
  /** Before the first poll. */
  public static final KernelDrops NONE = new KernelDrops(0, 0, 0, 0, 0, 0, 0, 0, 0, Map.of());

  public KernelDrops {
    recursionMisses = Map.copyOf(recursionMisses);
  }

  /**
   * The kernel's counters as the link layer shows them, copied at this one point: export and cli
   * read the link layer only.
   */
  public static KernelDrops of(KernelCounters kernel) {
    return new KernelDrops(
        kernel.socketLimit(),
        kernel.ringBufferFull(),
        kernel.listenerMapFull(),
        kernel.closedDropped(),
        kernel.closeLate(),
        kernel.storageFailed(),
        kernel.dnsRingFull(),
        kernel.udpFlowsFull(),
        kernel.udpNoPeer(),
        kernel.recursionMisses());
  }

  /** Drops that cost data: sockets not tracked, listening ports not remembered. */
  public long untracked() {
    return socketLimit + listenerMapFull + storageFailed;
  }
}
