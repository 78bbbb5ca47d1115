package io.chelonia.agent.identity;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Names whole address ranges: {@code 10.20.0.0/16=corp-vpn} makes every address in it the external
 * end {@code corp-vpn}. The most specific range wins.
 */
public final class CidrGroups implements NameSource {
  private final List<Group> groups;

  private CidrGroups(List<Group> groups) {
    this.groups =
        groups.stream().sorted(Comparator.comparingInt(Group::prefix).reversed()).toList();
  }

  /**
   * @param specs entries of the form {@code CIDR=name}
   * @throws IllegalArgumentException naming the entry that is not of that form
   */
  public static CidrGroups parse(List<String> specs) {
    List<Group> groups = new ArrayList<>();
    for (String spec : specs) {
      String entry = spec.strip();
      if (entry.isEmpty()) {
        continue;
      }
      int equals = entry.indexOf('=');
      int slash = entry.indexOf('/');
      if (equals < 0 || slash < 0 || slash > equals || equals == entry.length() - 1) {
        throw new IllegalArgumentException(
            "CIDR group '" + entry + "' is not of the form 10.20.0.0/16=name");
      }
      try {
        InetAddress network = InetAddress.ofLiteral(entry.substring(0, slash));
        int prefix = Integer.parseInt(entry.substring(slash + 1, equals));
        if (prefix < 0 || prefix > network.getAddress().length * 8) {
          throw new IllegalArgumentException(
              "CIDR group '" + entry + "' has a prefix out of range");
        }
        groups.add(new Group(network.getAddress(), prefix, entry.substring(equals + 1)));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "CIDR group '" + entry + "' has a prefix that is not a number");
      }
    }
    return new CidrGroups(groups);
  }

  @Override
  public Optional<Endpoint> name(EndpointQuery query) {
    if (query.local()) {
      return Optional.empty();
    }
    byte[] address = query.address().getAddress();
    for (Group group : groups) {
      if (group.contains(address)) {
        return Optional.of(
            new Endpoint(Endpoint.NAMESPACE_EXTERNAL, Endpoint.KIND_EXTERNAL, group.name()));
      }
    }
    return Optional.empty();
  }

  public boolean isEmpty() {
    return groups.isEmpty();
  }

  private record Group(byte[] network, int prefix, String name) {
    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = 0xff << (8 - rest) & 0xff;
      return (address[full] & mask) == (network[full] & mask);
    }
  }
}
