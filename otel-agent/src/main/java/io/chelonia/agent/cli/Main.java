package io.chelonia.agent.cli;

import io.chelonia.agent.kernel.KernelException;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import java.io.UncheckedIOException;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The agent's command line: {@code java -jar chelonia-agent.jar <command>}. */
@Command(
    name = "chelonia-agent",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Maps the TCP links of this machine from the kernel.",
    subcommands = {RunCommand.class, LinksCommand.class, MapCommand.class})
public final class Main implements Runnable {
  static final int EXIT_FAILURE = 1;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    // Without a command the agent runs: `java -jar chelonia-agent.jar` is `run` on its defaults.
    System.exit(commandLine().execute(args.length == 0 ? new String[] {"run"} : args));
  }

  static CommandLine commandLine() {
    CommandLine commandLine = new CommandLine(new Main());
    // Errors the user can act on are one line on stderr, never a stack trace.
    commandLine.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          if (e instanceof KernelException
              || e instanceof IllegalArgumentException
              || e instanceof ConfigurationException
              || e instanceof UncheckedIOException) {
            cmd.getErr().println("chelonia-agent: " + oneLine(e));
            return EXIT_FAILURE;
          }
          throw e;
        });
    return commandLine;
  }

  /** The message, and the root cause's when there is one (e.g. the port already in use). */
  static String oneLine(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root == e ? e.getMessage() : e.getMessage() + ": " + root.getMessage();
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
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
