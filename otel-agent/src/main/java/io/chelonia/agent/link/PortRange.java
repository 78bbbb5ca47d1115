package io.chelonia.agent.link;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A range of ports, such as the kernel's ephemeral range for outgoing connections. */
public record PortRange(int first, int last) {
  /** Linux's default net.ipv4.ip_local_port_range. */
  public static final PortRange LINUX_DEFAULT_EPHEMERAL = new PortRange(32768, 60999);

  public PortRange {
    if (first < 0 || last > 65535 || first > last) {
      throw new IllegalArgumentException("not a port range: " + first + "-" + last);
    }
  }

  public boolean contains(int port) {
    return port >= first && port <= last;
  }

  /** The machine's ephemeral range, or Linux's default when it cannot be read. */
  public static PortRange ephemeral(Path procSys) {
    try {
      String[] bounds =
          Files.readString(procSys.resolve("net/ipv4/ip_local_port_range")).trim().split("\\s+");
      return new PortRange(Integer.parseInt(bounds[0]), Integer.parseInt(bounds[1]));
    } catch (IOException | RuntimeException e) {
      return LINUX_DEFAULT_EPHEMERAL;
    }
  }
}
