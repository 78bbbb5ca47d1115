package io.chelonia.agent.identity;

import java.util.List;
import java.util.Optional;

/**
 * Asks each source in turn (Kubernetes when configured, then the local machine, then external
 * naming) and falls back to the address. {@link #isFinal} tells whether a name came from a source
 * or from the fallback: a fallback name is asked again later, so an address the sources did not
 * know yet (a pod whose watch event is still on its way) is not frozen as unknown.
 */
public final class ResolverChain implements EndpointResolver {
  private final List<NameSource> sources;
  private final EndpointResolver fallback = new AddressResolver();

  public ResolverChain(List<NameSource> sources) {
    this.sources = List.copyOf(sources);
  }

  @Override
  public Endpoint resolve(EndpointQuery query) {
    for (NameSource source : sources) {
      Optional<Endpoint> named = source.name(query);
      if (named.isPresent()) {
        return named.get();
      }
    }
    return fallback.resolve(query);
  }

  /** Only the bare address is provisional, and only while there is a source that may know more. */
  @Override
  public boolean isFinal(Endpoint endpoint) {
    return sources.isEmpty() || !endpoint.isBareAddress();
  }
}
