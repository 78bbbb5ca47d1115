package io.chelonia.agent.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The controlling terminal's size, in character cells, as {@code stty size} reads it. */
record TerminalSize(int rows, int columns) {
  /** What a terminal that cannot be asked is assumed to be. */
  static final TerminalSize DEFAULT = new TerminalSize(24, 80);

  TerminalSize {
    if (rows < 1 || columns < 1) {
      throw new IllegalArgumentException("terminal size " + rows + "x" + columns);
    }
  }

  /**
   * Asked at every redraw (so a resized window is followed), from {@code /dev/tty}: the JVM has no
   * call for it. {@code LINES}/{@code COLUMNS}, then {@link #DEFAULT}, when that fails.
   */
  static TerminalSize query() {
    try {
      Process stty =
          new ProcessBuilder("stty", "size")
              .redirectInput(new File("/dev/tty"))
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String answer =
          new String(stty.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
      if (stty.waitFor(1, TimeUnit.SECONDS) && stty.exitValue() == 0) {
        String[] parts = answer.split("\\s+");
        return new TerminalSize(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
      }
    } catch (IOException | RuntimeException e) {
      // Fall back below.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      return new TerminalSize(
          Integer.parseInt(System.getenv("LINES")), Integer.parseInt(System.getenv("COLUMNS")));
    } catch (RuntimeException e) {
      return DEFAULT;
    }
  }
}
