package io.chelonia.agent.export;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.link.LinkKey;
import io.chelonia.agent.link.Observer;
import java.util.Locale;

/**
 * Which observers of a link export it. A link between two monitored ends is seen by both: by the
 * client's agent and by the server's. Series are what a backend bills, so by default each link is
 * exported once.
 */
public enum Observers {
  /**
   * The client's view of every link; the server's view only of links whose client is external (no
   * agent observes that end). Any other client (a pod, a node, a process of this machine) is
   * observed by its own node's agent, which exports the link: the dashboards' counting rule.
   */
  ONCE,
  /** Both views of every link, {@code chelonia.observer} telling them apart. */
  ALL;

  /** Whether this agent exports the link it observed as {@code key}. */
  boolean exports(LinkKey key) {
    return this == ALL
        || key.observer() == Observer.CLIENT
        || key.client().namespace().equals(Endpoint.NAMESPACE_EXTERNAL);
  }

  /** From its name on the command line, {@code once} or {@code all}. */
  public static Observers parse(String name) {
    for (Observers observers : values()) {
      if (observers.cliName().equals(name)) {
        return observers;
      }
    }
    throw new IllegalArgumentException("--observers must be once or all, was " + name);
  }

  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
