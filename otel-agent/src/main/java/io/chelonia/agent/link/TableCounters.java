package io.chelonia.agent.link;

/**
 * The link table's own figures after a poll.
 *
 * @param trackedSockets sockets and UDP flows followed now
 * @param links links in the table now
 * @param unknownRoleSockets sockets whose role neither the kernel nor the ephemeral port range
 *     could tell, since start
 * @param lostSockets sockets that vanished without a close record, since start (should stay 0:
 *     counted, never silent)
 * @param expiredLinks links forgotten as idle, since start
 * @param namingFallbacks sockets counted under an address after waiting the naming wait for a name,
 *     since start
 */
public record TableCounters(
    long trackedSockets,
    long links,
    long unknownRoleSockets,
    long lostSockets,
    long expiredLinks,
    long namingFallbacks) {
  public static final TableCounters NONE = new TableCounters(0, 0, 0, 0, 0, 0);
}
