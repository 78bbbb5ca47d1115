package io.chelonia.agent.link;

import java.net.Inet4Address;
import java.net.InetAddress;

/** The {@code network.type} of a link: IPv4-mapped IPv6 peers count as IPv4. */
public enum NetworkType {
  IPV4("ipv4"),
  IPV6("ipv6");

  private final String value;

  NetworkType(String value) {
    this.value = value;
  }

  public String value() {
    return value;
  }

  public static NetworkType of(InetAddress peer) {
    return peer instanceof Inet4Address ? IPV4 : IPV6;
  }
}
