package io.chelonia.agent.map;

/** The links cannot be had now (Prometheus down, or answering something else): one line. */
final class SourceUnavailableException extends RuntimeException {
  SourceUnavailableException(String message) {
    super(message);
  }
}
