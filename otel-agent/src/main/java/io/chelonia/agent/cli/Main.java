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
    subcommands = {LinksCommand.class})
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

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {"chelonia-agent " + (version == null ? "development" : version)};
    }
  }
}
