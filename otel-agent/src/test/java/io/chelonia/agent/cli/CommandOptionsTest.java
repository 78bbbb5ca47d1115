package io.chelonia.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.link.PipelineConfig;
import io.chelonia.agent.map.MapOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Switches say what they do, whatever their default. */
class CommandOptionsTest {
  @Test
  void switchesDefaultingToTrueAreTurnedOffByTheirNegatedForm() {
    LinksCommand links = parse(new LinksCommand(), "--no-local-names", "--no-reverse-dns");
    assertThat(links.identity.localNames).isFalse();
    assertThat(links.identity.reverseDns).isFalse();
  }

  @Test
  void switchesDefaultingToFalseAreTurnedOnByTheirName() {
    LinksCommand links = parse(new LinksCommand(), "--include-loopback", "--include-self");
    assertThat(links.pipelineOptions.includeLoopback).isTrue();
    assertThat(links.pipelineOptions.includeSelf).isTrue();
    assertThat(links.identity.localNames).isTrue();
  }

  @Test
  void namingASwitchThatIsAlreadyOnKeepsItOn() {
    LinksCommand links = parse(new LinksCommand(), "--local-names", "--no-include-loopback");
    assertThat(links.identity.localNames).isTrue();
    assertThat(links.pipelineOptions.includeLoopback).isFalse();
  }

  @Test
  void udpLinksAreOffByDefaultAndTurnedOnByTheirSwitch() {
    assertThat(parse(new LinksCommand()).pipelineOptions.toConfig().kernel().udp()).isFalse();
    assertThat(parse(new RunCommand(), "--udp").pipelineOptions.toConfig().kernel().udp()).isTrue();
  }

  @Test
  void withoutOptionsThePipelineRunsWithItsDefaults() {
    LinksCommand links = parse(new LinksCommand());
    assertThat(links.pipelineOptions.toConfig()).isEqualTo(PipelineConfig.defaults());
    assertThat(links.pipelineOptions.duration()).isEmpty();
  }

  @Test
  void runSwitches() {
    RunCommand run =
        parse(
            new RunCommand(),
            "--caretta-compatible",
            "--pod-names",
            "--no-addresses",
            "--cidr-group",
            "10.0.0.0/8=corp,192.0.2.0/24=docs");
    assertThat(run.carettaCompatible).isTrue();
    assertThat(run.podNames).isTrue();
    assertThat(run.addresses).isFalse();
    assertThat(run.identity.cidrGroups).containsExactly("10.0.0.0/8=corp", "192.0.2.0/24=docs");
  }

  @Test
  void theMapIsServedOnLoopbackByDefaultAndCanBeSwitchedOff() {
    RunCommand run = parse(new RunCommand());
    assertThat(run.map).isTrue();
    assertThat(run.mapServer.toOptions()).isEqualTo(new MapOptions("127.0.0.1", 9465));
    RunCommand off =
        parse(new RunCommand(), "--no-map", "--map-port", "18080", "--map-bind-address", "0.0.0.0");
    assertThat(off.map).isFalse();
    assertThat(off.mapServer.toOptions()).isEqualTo(new MapOptions("0.0.0.0", 18080));
  }

  private static <T> T parse(T command, String... args) {
    new CommandLine(command).parseArgs(args);
    return command;
  }
}
