package io.chelonia.agent.cli;

import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkPoll;
import io.chelonia.agent.map.LinkJson;
import java.io.PrintWriter;

/** One JSON object per link per poll, one per line, for scripts and tests. */
final class JsonLinkView implements LinkView {
  private final LinkJson json = new LinkJson();
  private final PrintWriter out;

  JsonLinkView(PrintWriter out) {
    this.out = out;
  }

  @Override
  public void onPoll(LinkPoll poll) {
    for (Link link : poll.links()) {
      out.println(json.toLine(poll.time(), link));
    }
    out.flush();
  }
}
