package io.chelonia.agent.map;

import java.util.Objects;

/**
 * Where the map page is served; validated when built.
 *
 * @param bindAddress the address to listen on: {@code 127.0.0.1} outside a cluster, so only this
 *     machine sees the page unless told otherwise
 * @param port the TCP port, 1 to 65535 (0 in tests: any free port)
 */
public record MapOptions(String bindAddress, int port) {
  public static final int DEFAULT_PORT = 9465;
  public static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";

  public MapOptions {
    Objects.requireNonNull(bindAddress, "bindAddress");
    if (bindAddress.isBlank()) {
      throw new IllegalArgumentException("map bind address is empty");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("map port must be from 1 to 65535, was " + port);
    }
  }
}
