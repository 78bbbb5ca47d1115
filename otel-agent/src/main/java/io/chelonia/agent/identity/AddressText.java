package io.chelonia.agent.identity;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * An address as people and tools write it: IPv4 dotted, IPv6 in the RFC 5952 form ({@code
 * 2001:db8:210::1}, not the JDK's {@code 2001:db8:210:0:0:0:0:1}), so a name of an unnamed end
 * reads the same in the table, in JSON, in metric attributes and in {@code ip addr}.
 */
public final class AddressText {
  private static final int GROUPS = 8;

  /** The first ten bytes zero and the next two 0xff: an IPv4 address mapped into IPv6. */
  private static final int MAPPED_PREFIX = 10;

  private AddressText() {}

  /**
   * The address's text; an IPv6 zone (scope), which kernel socket records never carry, is left out.
   */
  public static String of(InetAddress address) {
    if (address instanceof Inet4Address) {
      return address.getHostAddress();
    }
    byte[] bytes = address.getAddress();
    if (isIpv4Mapped(bytes)) {
      // RFC 5952 section 5: the mapped IPv4 address keeps its dotted form.
      return "::ffff:"
          + (bytes[12] & 0xff)
          + "."
          + (bytes[13] & 0xff)
          + "."
          + (bytes[14] & 0xff)
          + "."
          + (bytes[15] & 0xff);
    }
    int[] groups = new int[GROUPS];
    for (int i = 0; i < GROUPS; i++) {
      groups[i] = (bytes[2 * i] & 0xff) << 8 | (bytes[2 * i + 1] & 0xff);
    }
    // The longest run of two or more zero groups becomes "::"; the first one when runs tie.
    int bestStart = -1;
    int bestLength = 1;
    for (int start = 0; start < GROUPS; ) {
      int end = start;
      while (end < GROUPS && groups[end] == 0) {
        end++;
      }
      if (end - start > bestLength) {
        bestStart = start;
        bestLength = end - start;
      }
      start = Math.max(end, start + 1);
    }
    StringBuilder text = new StringBuilder(39);
    for (int i = 0; i < GROUPS; i++) {
      if (i == bestStart) {
        text.append("::");
        i += bestLength - 1;
        continue;
      }
      if (!text.isEmpty() && text.charAt(text.length() - 1) != ':') {
        text.append(':');
      }
      text.append(Integer.toHexString(groups[i]));
    }
    return text.toString();
  }

  private static boolean isIpv4Mapped(byte[] bytes) {
    for (int i = 0; i < MAPPED_PREFIX; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return bytes[MAPPED_PREFIX] == (byte) 0xff && bytes[MAPPED_PREFIX + 1] == (byte) 0xff;
  }
}
