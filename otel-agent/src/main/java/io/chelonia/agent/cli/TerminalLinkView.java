package io.chelonia.agent.cli;

import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkKey;
import io.chelonia.agent.link.LinkPoll;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The link table redrawn in place on a terminal, as {@code top} does: the summary and the column
 * header stay on the first two lines, then the links carrying the most bytes since the last poll
 * (then the most in all), as many as the window holds; each line cut to the window's width.
 */
final class TerminalLinkView implements LinkView {
  // ANSI / ECMA-48: clear the screen, cursor home, erase to end of line, erase below the cursor.
  static final String CLEAR = "\u001b[2J";
  static final String HOME = "\u001b[H";
  static final String ERASE_LINE = "\u001b[K";
  static final String ERASE_BELOW = "\u001b[J";

  private final PrintWriter out;
  private final Supplier<TerminalSize> size;
  private Map<LinkKey, Long> previousBytes = Map.of();
  private boolean drawn;

  TerminalLinkView(PrintWriter out, Supplier<TerminalSize> size) {
    this.out = out;
    this.size = size;
  }

  @Override
  public void onPoll(LinkPoll poll) {
    List<Link> links = poll.links();
    Map<LinkKey, Long> bytes = new HashMap<>(links.size() * 2);
    links.forEach(l -> bytes.put(l.key(), LinkTableText.bytes(l)));
    Map<LinkKey, Long> before = previousBytes;
    List<Link> ordered =
        links.stream()
            .sorted(
                Comparator.comparingLong(
                        (Link l) -> LinkTableText.bytes(l) - before.getOrDefault(l.key(), 0L))
                    .reversed()
                    .thenComparing(LinkTableText.BUSIEST))
            .toList();
    previousBytes = bytes;

    TerminalSize window = size.get();
    LinkTableText text = LinkTableText.of(poll, ordered);
    StringBuilder screen = new StringBuilder(drawn ? HOME : CLEAR + HOME);
    line(screen, text.summary(), window);
    line(screen, text.columns(), window);
    // The last line stays free: writing it would scroll the header away on some terminals.
    int room = Math.max(0, window.rows() - 3);
    List<String> rows = text.rows();
    if (rows.size() > room) {
      rows.subList(0, Math.max(0, room - 1)).forEach(row -> line(screen, row, window));
      if (room > 0) {
        line(
            screen,
            "... " + (rows.size() - room + 1) + " more links (a taller window shows them)",
            window);
      }
    } else {
      rows.forEach(row -> line(screen, row, window));
    }
    screen.append(ERASE_BELOW);
    out.print(screen);
    out.flush();
    drawn = true;
  }

  private static void line(StringBuilder screen, String text, TerminalSize window) {
    screen
        .append(text, 0, Math.min(text.length(), window.columns()))
        .append(ERASE_LINE)
        .append('\n');
  }
}
