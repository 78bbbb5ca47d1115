package io.chelonia.agent.link;

/** Which end of a link this node saw: the same link may be seen from both when both run here. */
public enum Observer {
  CLIENT("client"),
  SERVER("server");

  private final String value;

  Observer(String value) {
    this.value = value;
  }

  /** The attribute value, {@code chelonia.observer}. */
  public String value() {
    return value;
  }
}
