package io.chelonia.agent.cli;

import io.chelonia.agent.map.MapOptions;
import picocli.CommandLine.Option;

/** Where the map page listens: options of {@code run} and {@code map}. */
final class MapServerOptions {
  @Option(
      names = "--map-port",
      defaultValue = "${env:CHELONIA_MAP_PORT:-" + MapOptions.DEFAULT_PORT + "}",
      description = "Port of the map page (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--map-bind-address",
      defaultValue = "${env:CHELONIA_MAP_BIND_ADDRESS:-" + MapOptions.DEFAULT_BIND_ADDRESS + "}",
      description =
          "Address the map page listens on; only this machine by default"
              + " (default: ${DEFAULT-VALUE}).")
  String bindAddress;

  MapOptions toOptions() {
    return new MapOptions(bindAddress, port);
  }
}
