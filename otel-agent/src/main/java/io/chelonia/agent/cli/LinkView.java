package io.chelonia.agent.cli;

import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkTable;
import io.chelonia.agent.tracing.SocketPoll;
import java.util.List;

/** How the {@code links} command shows one poll. */
interface LinkView {
  void show(SocketPoll poll, List<Link> links, LinkTable table);
}
