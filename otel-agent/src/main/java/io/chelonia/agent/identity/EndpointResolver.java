package io.chelonia.agent.identity;

/**
 * Names one end of a socket. Called when the socket is first seen; a final name is kept for the
 * socket's life, so an address later reused by someone else never rewrites the history of older
 * connections. Must not block: a resolver that needs I/O answers from its cache and fills it in the
 * background.
 */
@FunctionalInterface
public interface EndpointResolver {
  Endpoint resolve(EndpointQuery query);

  /**
   * Whether a name is the last word on this end. A name that is not final (the bare address, given
   * while no source knew better) is asked for again at later polls until a final one comes.
   */
  default boolean isFinal(Endpoint endpoint) {
    return !endpoint.isBareAddress();
  }
}
