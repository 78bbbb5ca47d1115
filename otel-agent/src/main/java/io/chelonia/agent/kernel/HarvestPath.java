package io.chelonia.agent.kernel;

/** How the harvest reaches every socket; chosen once at start and logged. */
public enum HarvestPath {
  /**
   * One {@code iter/task_file} pass over every process's open files, all network namespaces at
   * once, no {@code setns}: needs the host's PID namespace (the chart's {@code hostPID}).
   */
  PROCESSES(KernelConstants.PROGRAM_HARVEST_PROCESSES),
  /**
   * One {@code iter/tcp} pass per network namespace, entered with {@code setns}: the fallback for
   * an agent that sees only its own PID namespace. Its cost grows with the number of namespaces.
   */
  NAMESPACES(KernelConstants.PROGRAM_HARVEST_NAMESPACE);

  final String program;

  HarvestPath(String program) {
    this.program = program;
  }
}
