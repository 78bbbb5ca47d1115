package io.chelonia.agent.kernel;

/** What one harvest pass writes out; mirrors {@code enum chelonia_harvest_mode}. */
public enum HarvestMode {
  /** The sockets whose counters or flags changed since the harvest last wrote them. */
  CHANGED(KernelConstants.HARVEST_CHANGED),
  /** Every socket the pass meets: the agent learns which sockets still exist. */
  ALL(KernelConstants.HARVEST_ALL),
  /** Nothing: the pass only learns listening ports (before the first discovery). */
  LISTENERS(KernelConstants.HARVEST_LISTENERS);

  final int kernelValue;

  HarvestMode(int kernelValue) {
    this.kernelValue = kernelValue;
  }
}
