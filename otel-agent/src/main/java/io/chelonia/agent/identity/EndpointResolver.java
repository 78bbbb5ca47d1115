package io.chelonia.agent.identity;

/**
 * Names one end of a socket. Called once per socket end, when the socket is first seen; the
 * name is kept for the socket's life, so an address later reused by someone else never rewrites
 * the history of older connections. Must not block: a resolver that needs I/O answers from its
 * cache and fills it in the background.
 */
@FunctionalInterface
public interface EndpointResolver {
  Endpoint resolve(EndpointQuery query);
}
