package io.chelonia.agent.tracing;

import io.chelonia.agent.kernel.SocketSnapshot;

/**
 * Finds where client sockets' connections really went, for the link table to name the server end by
 * what answered. Never blocks: a first question queues a lookup and answers {@link
 * ActualDestination#PENDING}; the final answer is handed out once, to the next question about that
 * socket.
 */
@FunctionalInterface
public interface ActualDestinations {
  /** Looks nothing up: every connection went where it was dialled. */
  ActualDestinations NONE = socket -> ActualDestination.AS_DIALLED;

  /**
   * @param socket a client socket
   */
  ActualDestination of(SocketSnapshot socket);
}
