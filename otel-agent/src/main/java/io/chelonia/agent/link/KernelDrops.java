package io.chelonia.agent.link;

/**
 * What the kernel programs could not record, counted since load: never silent.
 *
 * @param socketMapFull sockets not tracked because the socket map was full
 * @param ringBufferFull closed sockets that found the ring buffer full (kept in the map instead,
 *     so they are still reported)
 * @param listenerMapFull listening ports not remembered because the listener map was full
 */
public record KernelDrops(long socketMapFull, long ringBufferFull, long listenerMapFull) {
  /** Drops that cost data: sockets not tracked, listening ports not remembered. */
  public long untracked() {
    return socketMapFull + listenerMapFull;
  }
}
