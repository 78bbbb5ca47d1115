package io.chelonia.agent.cli;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.link.FailureReason;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkPoll;
import io.chelonia.agent.link.Transport;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One poll's links as the lines of a text table: a summary, the column header, one row per link in
 * the order given. Names are made printable: process names and reverse-DNS answers are other
 * people's text, and a control character in one must not drive the reader's terminal.
 */
record LinkTableText(String summary, String columns, List<String> rows) {
  private static final String ROW = "%-36s %-42s %-6s %12s %12s %7s %6s %-14s %7s %9s";

  /** Busiest first: bytes carried both ways since the link was first seen. */
  static final Comparator<Link> BUSIEST = Comparator.comparingLong(LinkTableText::bytes).reversed();

  LinkTableText {
    rows = List.copyOf(rows);
  }

  /** Bytes the link carried both ways since it was first seen. */
  static long bytes(Link link) {
    return link.totals().bytesClientToServer() + link.totals().bytesServerToClient();
  }

  static LinkTableText of(LinkPoll poll, List<Link> ordered) {
    String summary =
        String.format(
            "%s  %d links, %d sockets tracked, poll %d ms, %d namespaces%s",
            poll.time(),
            ordered.size(),
            poll.table().trackedSockets(),
            poll.duration().toMillis(),
            poll.namespaces(),
            dropped(poll));
    String columns =
        String.format(
            ROW,
            "CLIENT",
            "SERVER:PORT",
            "SEEN",
            "BYTES C>S",
            "BYTES S>C",
            "OPENED",
            "ACTIVE",
            "FAILED",
            "RETRANS",
            "RTT(us)");
    List<String> rows =
        ordered.stream()
            .map(
                link ->
                    String.format(
                        ROW,
                        label(link.key().client()),
                        label(link.key().server())
                            + ":"
                            + link.key().serverPort()
                            // As services(5) writes it: a UDP port reads 53/udp.
                            + (link.key().transport() == Transport.UDP ? "/udp" : ""),
                        link.key().observer().value(),
                        link.totals().bytesClientToServer(),
                        link.totals().bytesServerToClient(),
                        link.totals().connectionsOpened(),
                        link.totals().activeConnections(),
                        failures(link.totals().failures()),
                        link.totals().retransmits(),
                        link.totals().rtt().samples() == 0
                            ? "-"
                            : String.valueOf(Math.round(link.totals().rtt().meanMicros()))))
            .toList();
    return new LinkTableText(summary, columns, rows);
  }

  /**
   * The text with every control character (C0, DEL, C1: ESC among them, which starts terminal
   * commands) written as {@code \xNN}, and a backslash as {@code \\} so the escape reads back
   * unambiguously.
   */
  static String printable(String text) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean control = c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\\';
      if (control && out == null) {
        out = new StringBuilder(text.length() + 8).append(text, 0, i);
      }
      if (out != null) {
        if (c == '\\') {
          out.append("\\\\");
        } else if (control) {
          out.append(String.format("\\x%02x", (int) c));
        } else {
          out.append(c);
        }
      }
    }
    return out == null ? text : out.toString();
  }

  /** An address stands for itself; a named end reads like kubectl's kind/name. */
  private static String label(Endpoint end) {
    return printable(end.isBareAddress() ? end.name() : end.kind() + "/" + end.name());
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
