package io.chelonia.agent.cli;

import io.chelonia.agent.kernel.KernelException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The agent's command line: {@code java -jar chelonia-agent.jar <command>}. */
@Command(
    name = "chelonia-agent",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Maps the TCP links of this machine from the kernel.",
    subcommands = {RunCommand.class, LinksCommand.class})
public final class Main implements Runnable {
  static final int EXIT_FAILURE = 1;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    CommandLine commandLine = new CommandLine(new Main());
    // Errors the user can act on are one line on stderr, never a stack trace.
    commandLine.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          if (e instanceof KernelException || e instanceof IllegalArgumentException) {
            cmd.getErr().println("chelonia-agent: " + e.getMessage());
            return EXIT_FAILURE;
          }
          throw e;
        });
    return commandLine;
  }

  /** Without a command, the agent runs: {@code java -jar chelonia-agent.jar} is {@code run}. */
  @Override
  public void run() {
    CommandLine run = spec.commandLine().getSubcommands().get("run");
    int exit = run.execute();
    if (exit != 0) {
      throw new CommandLine.ExecutionException(spec.commandLine(), "run failed", null) {
        private static final long serialVersionUID = 1L;
      };
    }
  }

  /** The agent's version, from the jar's manifest; "development" when run from classes. */
  static String version() {
    String version = Main.class.getPackage().getImplementationVersion();
    return version == null ? "development" : version;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"chelonia-agent " + version()};
    }
  }
}
