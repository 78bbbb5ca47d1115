package io.chelonia.agent.cli;

import io.chelonia.agent.link.LinkPoll;
import java.io.Console;
import java.io.PrintWriter;

/**
 * The link table as appended text, busiest links first: one full table per poll, for logs and
 * pipes. On a terminal, {@link #forOutput} gives the view that redraws in place instead.
 */
final class TextLinkView implements LinkView {
  private final PrintWriter out;

  TextLinkView(PrintWriter out) {
    this.out = out;
  }

  /**
   * The table for this process's standard output: redrawn in place on a terminal, else appended.
   */
  static LinkView forOutput(PrintWriter out) {
    Console console = System.console();
    return console != null && console.isTerminal()
        ? new TerminalLinkView(out, TerminalSize::query)
        : new TextLinkView(out);
  }

  @Override
  public void onPoll(LinkPoll poll) {
    LinkTableText text =
        LinkTableText.of(poll, poll.links().stream().sorted(LinkTableText.BUSIEST).toList());
    out.println(text.summary());
    out.println(text.columns());
    text.rows().forEach(out::println);
    out.println();
    out.flush();
  }
}
