package io.chelonia.agent.identity.dns;

/** A datagram from port 53 that is not a DNS answer this agent can read; the message says why. */
public final class MalformedDnsMessageException extends Exception {
  public MalformedDnsMessageException(String reason) {
    super(reason, null, false, false);
  }
}
