package io.chelonia.agent.cli;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.link.FailureReason;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkPoll;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Collectors;

/** The link table as a terminal table, busiest links first. */
final class TextLinkView implements LinkView {
  private static final String ROW = "%-36s %-42s %-6s %12s %12s %7s %6s %-14s %7s %9s%n";

  private final PrintWriter out;

  TextLinkView(PrintWriter out) {
    this.out = out;
  }

  @Override
  public void onPoll(LinkPoll poll) {
    out.printf("%s  %d links, %d sockets tracked, poll %d ms, %d namespaces%s%n",
        poll.time(), poll.links().size(), poll.table().trackedSockets(), poll.duration().toMillis(),
        poll.namespaces(), dropped(poll));
    out.printf(ROW, "CLIENT", "SERVER:PORT", "SEEN", "BYTES C>S", "BYTES S>C", "OPENED",
        "ACTIVE", "FAILED", "RETRANS", "RTT(us)");
    poll.links().stream()
        .sorted(Comparator.comparingLong((Link l) -> l.totals().bytesClientToServer() + l.totals().bytesServerToClient())
            .reversed())
        .forEach(link -> out.printf(ROW,
            label(link.key().client()),
            label(link.key().server()) + ":" + link.key().serverPort(),
            link.key().observer().value(),
            link.totals().bytesClientToServer(),
            link.totals().bytesServerToClient(),
            link.totals().connectionsOpened(),
            link.totals().activeConnections(),
            failures(link.totals().failures()),
            link.totals().retransmits(),
            link.totals().rtt().samples() == 0 ? "-" : String.valueOf(Math.round(link.totals().rtt().meanMicros()))));
    out.println();
    out.flush();
  }

  /** An address stands for itself; a named end reads like kubectl's kind/name. */
  private static String label(Endpoint end) {
    return end.isBareAddress() ? end.name() : end.kind() + "/" + end.name();
  }

  private static String dropped(LinkPoll poll) {
    long lost = poll.kernelDrops().untracked();
    return lost == 0 ? "" : ", " + lost + " not tracked (limits reached)";
  }

  private static String failures(Map<FailureReason, Long> failures) {
    if (failures.isEmpty()) {
      return "0";
    }
    return failures.entrySet().stream()
        .map(e -> e.getKey().value() + "=" + e.getValue())
        .collect(Collectors.joining(","));
  }
}
