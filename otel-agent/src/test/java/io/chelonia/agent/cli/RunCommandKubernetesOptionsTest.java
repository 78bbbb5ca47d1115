package io.chelonia.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The switches of Kubernetes naming, parsed as picocli parses them for the agent. */
class RunCommandKubernetesOptionsTest {
  @Test
  void kubernetesSwitchSaysOnOrOffAndKubeconfigIsAPath() {
    assertThat(parse("--kubernetes").identity.kubernetes).isTrue();
    assertThat(parse("--no-kubernetes").identity.kubernetes).isFalse();
    assertThat(parse("--kubeconfig", "/etc/chelonia/kubeconfig").identity.kubeconfig)
        .isEqualTo(Path.of("/etc/chelonia/kubeconfig"));
  }

  @Test
  void switchesWinOverCheloniaKubernetesEitherWay() {
    for (String environment : new String[] {"true", "false"}) {
      assertThat(parseWith(environment, "--kubernetes").identity.kubernetes)
          .as(environment)
          .isTrue();
      assertThat(parseWith(environment, "--no-kubernetes").identity.kubernetes)
          .as(environment)
          .isFalse();
      assertThat(parseWith(environment).identity.kubernetes)
          .as(environment)
          .isEqualTo(Boolean.parseBoolean(environment));
    }
  }

  private static RunCommand parse(String... args) {
    RunCommand command = new RunCommand();
    new CommandLine(command).parseArgs(args);
    return command;
  }

  /** As if CHELONIA_KUBERNETES were {@code environment}. */
  private static RunCommand parseWith(String environment, String... args) {
    RunCommand command = new RunCommand();
    new CommandLine(command)
        .setDefaultValueProvider(
            option ->
                option instanceof CommandLine.Model.OptionSpec spec
                        && spec.longestName().equals("--kubernetes")
                    ? environment
                    : null)
        .parseArgs(args);
    return command;
  }
}
