package io.chelonia.agent.lifecycle;

import java.util.concurrent.ThreadFactory;

/**
 * Threads for the agent's background work (naming, lookups, watchdogs): platform daemon threads, so
 * that a pool someone forgot to shut down never keeps the process from exiting.
 */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** A factory whose threads all carry {@code name}, as seen in thread dumps. */
  public static ThreadFactory named(String name) {
    return Thread.ofPlatform().daemon().name(name).factory();
  }
}
