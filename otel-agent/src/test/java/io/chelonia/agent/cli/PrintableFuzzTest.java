package io.chelonia.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.testing.HostileText;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Generated process and pod names through the terminal table's escaping. */
class PrintableFuzzTest {
  @Test
  void noControlCharacterReachesTheTerminalAndPlainNamesAreUntouched() {
    HostileText names = new HostileText(24, List.of("checkout", "orders-api", "web-1\u001b[31m"));
    for (String name : names.take(5_000, 200)) {
      String shown = LinkTableText.printable(name);
      assertThat(shown.chars())
          .as("shown for %s", name)
          .noneMatch(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f));
      boolean plain =
          name.chars().noneMatch(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\\');
      if (plain) {
        assertThat(shown).isSameAs(name);
      }
    }
  }
}
