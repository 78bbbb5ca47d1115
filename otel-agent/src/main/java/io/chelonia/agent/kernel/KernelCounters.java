package io.chelonia.agent.kernel;

import java.util.Map;

/**
 * What the kernel programs could not do in place, counted since load: never silent.
 *
 * @param socketLimit sockets not tracked because the tracked-socket limit was reached
 * @param ringBufferFull closed sockets that found the ring buffer full (handed over through the
 *     overflow map instead, so they are still reported)
 * @param listenerMapFull listening ports not remembered because the listener map was full
 * @param closedDropped closed records that neither the ring buffer nor the overflow map could take;
 *     the socket's last look (destruction, the harvest) tries again
 * @param closeLate sockets whose CLOSE state change the probes missed (a nested run of a tracing
 *     program is skipped) and that were closed out later, at destruction or by the harvest
 * @param storageFailed sockets whose record could not be created (socket option memory)
 * @param dnsRingFull DNS answers not copied because their ring buffer was full (names from DNS
 *     only)
 * @param udpFlowsFull UDP datagrams not counted because their new flow found the flow map full (UDP
 *     links only)
 * @param udpNoPeer UDP datagrams not counted because an unconnected socket read them without asking
 *     for the sender's address (recv or read): no peer to count them for
 * @param recursionMisses per attached program (by name, the keys are every program attached): runs
 *     the kernel skipped because the program was already running on that CPU
 */
public record KernelCounters(
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
  public static final KernelCounters NONE = new KernelCounters(0, 0, 0, 0, 0, 0, 0, 0, 0, Map.of());

  public KernelCounters {
    recursionMisses = Map.copyOf(recursionMisses);
  }
}
