package io.chelonia.agent.link;

/** What carries a link, as OpenTelemetry's {@code network.transport} names it. */
public enum Transport {
  TCP("tcp"),
  UDP("udp");

  private final String value;

  Transport(String value) {
    this.value = value;
  }

  /** The attribute value. */
  public String value() {
    return value;
  }
}
