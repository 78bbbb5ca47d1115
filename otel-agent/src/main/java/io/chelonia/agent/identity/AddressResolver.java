package io.chelonia.agent.identity;

import java.net.InetAddress;

/**
 * The resolver of last resort: names an end by its address, {@code Host} when it is on this node
 * (the socket's own side, or a loopback peer), {@code External} otherwise.
 */
public final class AddressResolver implements EndpointResolver {
  /** Nothing else will ever be known here: the address is this resolver's final word. */
  @Override
  public boolean isFinal(Endpoint endpoint) {
    return true;
  }

  @Override
  public Endpoint resolve(EndpointQuery query) {
    String address = AddressText.of(query.address());
    if (query.local() || isLoopback(query.address())) {
      return Endpoint.host(address);
    }
    return Endpoint.external(address);
  }

  private static boolean isLoopback(InetAddress address) {
    return address.isLoopbackAddress();
  }
}
