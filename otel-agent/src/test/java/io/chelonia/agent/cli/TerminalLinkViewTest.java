package io.chelonia.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.link.KernelDrops;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkKey;
import io.chelonia.agent.link.LinkPoll;
import io.chelonia.agent.link.LinkTotals;
import io.chelonia.agent.link.NetworkType;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.link.RttSummary;
import io.chelonia.agent.link.TableCounters;
import io.chelonia.agent.link.Transport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The terminal table: redrawn in place, header kept, busiest first, fit to the window, inert names.
 */
class TerminalLinkViewTest {
  private static final Instant T0 = Instant.parse("2026-11-30T12:00:00Z");
  private static final String ESC = "\u001b";

  @Test
  void controlCharactersInNamesAreEscapedNotSentToTheTerminal() {
    // A process may name itself anything: this one would clear the screen and retitle the window.
    String hostile = "evil" + ESC + "[2J" + ESC + "]0;owned\u0007\u009b\\tail";
    assertThat(LinkTableText.printable(hostile))
        .isEqualTo("evil\\x1b[2J\\x1b]0;owned\\x07\\x9b\\\\tail");
    assertThat(LinkTableText.printable("orders-api")).isEqualTo("orders-api");

    StringWriter screen = new StringWriter();
    TerminalLinkView view =
        new TerminalLinkView(new PrintWriter(screen), () -> new TerminalSize(10, 200));
    view.onPoll(poll(T0, List.of(link(new Endpoint("node", "Process", hostile), 8080, 100))));

    // The only escape sequences on the screen are the view's own.
    String withoutOwn =
        screen
            .toString()
            .replace(TerminalLinkView.CLEAR, "")
            .replace(TerminalLinkView.HOME, "")
            .replace(TerminalLinkView.ERASE_LINE, "")
            .replace(TerminalLinkView.ERASE_BELOW, "");
    assertThat(withoutOwn)
        .doesNotContain(ESC)
        .doesNotContain("\u0007")
        .doesNotContain("\u009b")
        .contains("Process/evil\\x1b[2J\\x1b]0;owned\\x07\\x9b\\\\tail");

    StringWriter appended = new StringWriter();
    new TextLinkView(new PrintWriter(appended))
        .onPoll(poll(T0, List.of(link(new Endpoint("node", "Process", hostile), 8080, 100))));
    assertThat(appended.toString()).doesNotContain(ESC).contains("Process/evil\\x1b[2J");
  }

  @Test
  void redrawsInPlaceWithTheHeaderKeptBusiestSinceLastPollFirstAndFitsTheWindow() {
    StringWriter screen = new StringWriter();
    TerminalLinkView view =
        new TerminalLinkView(new PrintWriter(screen), () -> new TerminalSize(8, 60));
    List<Link> links = new ArrayList<>();
    for (int port = 1; port <= 10; port++) {
      links.add(link(Endpoint.host("198.18.0.1"), port, port * 1000L)); // port 10 busiest in all
    }

    view.onPoll(poll(T0, links));
    String first = screen.toString();
    assertThat(first)
        .startsWith(TerminalLinkView.CLEAR + TerminalLinkView.HOME)
        .endsWith(TerminalLinkView.ERASE_BELOW);
    List<String> lines = lines(first);
    // 8 rows: summary, header, 4 links, "... more", and the last row left free.
    assertThat(lines).hasSize(7);
    assertThat(lines.get(0)).startsWith(T0.toString()).contains("10 links");
    assertThat(lines.get(1)).startsWith("CLIENT");
    assertThat(lines.subList(2, 6))
        .extracting(TerminalLinkViewTest::port)
        .containsExactly(10, 9, 8, 7);
    assertThat(lines.get(6)).isEqualTo("... 6 more links (a taller window shows them)");
    assertThat(lines).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(60));

    // Next poll: port 1 moved the most bytes since the last one, so it leads; no clear, just home.
    screen.getBuffer().setLength(0);
    links.set(0, link(Endpoint.host("198.18.0.1"), 1, 1000L + 50_000));
    links.set(9, link(Endpoint.host("198.18.0.1"), 10, 10_000L + 10));
    view.onPoll(poll(T0.plusSeconds(5), links));
    String second = screen.toString();
    assertThat(second).startsWith(TerminalLinkView.HOME).doesNotContain(TerminalLinkView.CLEAR);
    List<String> next = lines(second);
    assertThat(next.get(0)).startsWith(T0.plusSeconds(5).toString());
    assertThat(next.get(1)).startsWith("CLIENT");
    assertThat(next.subList(2, 6))
        .extracting(TerminalLinkViewTest::port)
        .containsExactly(1, 10, 9, 8);
  }

  /** The screen's lines, without the view's own control sequences. */
  private static List<String> lines(String screen) {
    String text =
        screen
            .replace(TerminalLinkView.CLEAR, "")
            .replace(TerminalLinkView.HOME, "")
            .replace(TerminalLinkView.ERASE_LINE, "")
            .replace(TerminalLinkView.ERASE_BELOW, "");
    return text.lines().toList();
  }

  private static int port(String row) {
    String server = row.split("\\s+")[1];
    return Integer.parseInt(server.substring(server.lastIndexOf(':') + 1));
  }

  @Test
  void aUdpLinksPortReadsWithItsTransport() {
    LinkKey dns =
        new LinkKey(
            Endpoint.host("198.18.0.1"),
            Endpoint.host("198.18.0.2"),
            53,
            NetworkType.IPV4,
            Observer.CLIENT,
            java.util.Optional.empty(),
            Transport.UDP);
    StringWriter appended = new StringWriter();
    new TextLinkView(new PrintWriter(appended))
        .onPoll(
            poll(
                T0,
                List.of(
                    new Link(dns, LinkTotals.udp(35, 51, 1, 1, Map.of()), T0, T0),
                    link(Endpoint.host("198.18.0.1"), 8080, 100))));
    assertThat(appended.toString())
        .contains("198.18.0.2:53/udp")
        .contains("198.18.0.2:8080 ")
        .doesNotContain("8080/udp");
  }

  private static LinkPoll poll(Instant time, List<Link> links) {
    return new LinkPoll(
        time,
        Duration.ofMillis(3),
        1,
        KernelDrops.NONE,
        List.copyOf(links),
        List.of(),
        new TableCounters(2L * links.size(), links.size(), 0, 0, 0, 0));
  }

  private static Link link(Endpoint client, int port, long bytes) {
    LinkKey key =
        new LinkKey(client, Endpoint.host("198.18.0.2"), port, NetworkType.IPV4, Observer.CLIENT);
    return new Link(key, LinkTotals.tcp(bytes, 0, 1, 0, Map.of(), 0, RttSummary.EMPTY), T0, T0);
  }
}
