package io.chelonia.agent.identity.dns;

import java.util.Map;

/**
 * What {@link DnsNames} learned and dropped since it started.
 *
 * @param learned addresses learned (a renewal counts again)
 * @param held entries held now
 * @param evicted entries dropped before their time to make room
 * @param expired entries dropped because their answer no longer held
 * @param malformed datagrams from port 53 that were not readable DNS answers
 * @param cut answers longer than the kernel copies: their records past the cut are not read
 * @param answersByRcode readable answers by response code (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN...)
 */
public record DnsNameCounters(
    long learned,
    int held,
    long evicted,
    long expired,
    long malformed,
    long cut,
    Map<Integer, Long> answersByRcode) {
  public DnsNameCounters {
    answersByRcode = Map.copyOf(answersByRcode);
  }
}
