package io.chelonia.agent.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkTable;
import io.chelonia.agent.link.Observer;
import java.util.List;

/** Finding links in a link table, for kernel tests. */
public final class Links {
  private Links() {}

  /**
   * The one link of {@code table} to {@code serverPort} as {@code observer} saw it; fails unless
   * one.
   */
  public static Link only(LinkTable table, int serverPort, Observer observer) {
    List<Link> matching =
        table.links().stream()
            .filter(l -> l.key().serverPort() == serverPort && l.key().observer() == observer)
            .toList();
    assertThat(matching).as("links to port %d seen by %s", serverPort, observer).hasSize(1);
    return matching.getFirst();
  }
}
