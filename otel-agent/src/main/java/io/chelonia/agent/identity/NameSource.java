package io.chelonia.agent.identity;

import java.util.Optional;

/**
 * One way of naming a socket end: Kubernetes, the local machine's processes and containers, CIDR
 * groups, reverse DNS. Answers from what it already knows and never blocks the poll thread; a
 * source that needs I/O starts it in the background and answers empty until it is done (the end is
 * asked again at a later poll).
 */
@FunctionalInterface
public interface NameSource {
  Optional<Endpoint> name(EndpointQuery query);
}
