package io.chelonia.agent.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generated inputs for the parsers of text that workloads choose (process and container names,
 * cgroup paths, the Docker API's answers): fragments a parser expects, cut and spliced at random
 * with control characters, ANSI escapes, quotes, separators, lone surrogates and long runs. Seeded:
 * a failure names its seed and input and reproduces.
 */
public final class HostileText {
  private static final String[] SPICE = {
    "\u001b[2J",
    "\u001b]0;title\u0007",
    "\u0000",
    "\r\n",
    "\n",
    "\t",
    "\u007f",
    "\u009b",
    "\\",
    "\"",
    "'",
    "<",
    ">",
    "&",
    "{",
    "}",
    "[",
    "]",
    ":",
    "/",
    "-",
    "_",
    " ",
    "\ud800",
    "\udfff",
    "\u202e",
    "\ufeff",
    "é",
    "💥",
    "%",
    "=",
    ",",
    ".scope",
    "pod",
    "0",
    "f"
  };

  private final SplittableRandom random;
  private final List<String> fragments;

  /**
   * @param seed the generator's seed (fixed in tests)
   * @param fragments well-formed pieces of the input the parser expects, cut and recombined
   */
  public HostileText(long seed, List<String> fragments) {
    this.random = new SplittableRandom(seed);
    this.fragments = List.copyOf(fragments);
  }

  /**
   * The next input: up to about {@code maxLength} characters, sometimes far more (one long run).
   */
  public String next(int maxLength) {
    StringBuilder out = new StringBuilder();
    int pieces = 1 + random.nextInt(12);
    for (int i = 0; i < pieces && out.length() < maxLength; i++) {
      switch (random.nextInt(6)) {
        case 0, 1 -> out.append(cut(fragments.get(random.nextInt(fragments.size()))));
        case 2 -> out.append(SPICE[random.nextInt(SPICE.length)]);
        case 3 -> out.append((char) random.nextInt(0x10000));
        case 4 -> out.append(fragments.get(random.nextInt(fragments.size())));
        default -> {
          if (random.nextInt(50) == 0) {
            out.append(String.valueOf(SPICE[random.nextInt(SPICE.length)]).repeat(100_000));
          } else {
            out.append(hex(1 + random.nextInt(70)));
          }
        }
      }
    }
    return out.toString();
  }

  /** {@code count} inputs. */
  public List<String> take(int count, int maxLength) {
    List<String> inputs = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      inputs.add(next(maxLength));
    }
    return inputs;
  }

  private String cut(String fragment) {
    int from = random.nextInt(fragment.length() + 1);
    int to = from + random.nextInt(fragment.length() - from + 1);
    return fragment.substring(from, to);
  }

  private String hex(int digits) {
    StringBuilder out = new StringBuilder(digits);
    for (int i = 0; i < digits; i++) {
      out.append(Character.forDigit(random.nextInt(16), 16));
    }
    return out.toString();
  }
}
