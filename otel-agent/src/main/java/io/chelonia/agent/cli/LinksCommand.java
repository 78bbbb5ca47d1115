package io.chelonia.agent.cli;

import io.chelonia.agent.link.LinkPipeline;
import io.chelonia.agent.link.PipelineConfig;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Attaches the probes and prints the live link table at every poll. */
@Command(
    name = "links",
    mixinStandardHelpOptions = true,
    description =
        "Print this machine's TCP links at every poll (needs root or CAP_BPF+CAP_PERFMON).")
final class LinksCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin PipelineOptions pipelineOptions;

  @Mixin IdentityOptions identity;

  @Option(names = "--json", description = "One JSON object per link per poll instead of a table.")
  boolean json;

  @Override
  public Integer call() throws InterruptedException {
    PipelineConfig config = pipelineOptions.toConfig();
    Optional<Duration> duration = pipelineOptions.duration();
    PrintWriter out = spec.commandLine().getOut();
    LinkView view = json ? new JsonLinkView(out) : TextLinkView.forOutput(out);
    try (IdentityOptions.Naming naming = identity.open();
        LinkPipeline pipeline =
            LinkPipeline.open(
                naming.configure(config),
                naming.resolver(),
                naming.dnsMessages(),
                Set.of(),
                Clock.systemUTC())) {
      PollLoop.run(pipeline, duration, List.of(view));
    }
    return 0;
  }
}
