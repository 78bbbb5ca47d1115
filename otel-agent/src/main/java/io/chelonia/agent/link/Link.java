package io.chelonia.agent.link;

import java.time.Instant;

/**
 * One link and its cumulative totals since the agent first saw it.
 *
 * @param firstSeen when the link was first seen: the start of its cumulative series
 * @param lastSeen when the link last carried anything or had an open connection
 */
public record Link(LinkKey key, LinkTotals totals, Instant firstSeen, Instant lastSeen) {}
