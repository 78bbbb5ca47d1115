package io.chelonia.agent.testing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The repository's chart, rendered by `helm template` as release {@value #RELEASE}. */
public final class HelmChart {
  public static final String RELEASE = "chelonia";

  private HelmChart() {}

  /** The chart's values files for CI (ci/full-values.yaml, ...), by name. */
  public static Path ciValues(String name) {
    return chart().resolve("ci").resolve(name);
  }

  /** The objects, as YAML, of the chart installed in {@code namespace} with these values files. */
  public static String template(KubernetesBinaries binaries, String namespace, Path... values) {
    List<String> command =
        new ArrayList<>(
            List.of(
                binaries.helm().toString(),
                "template",
                RELEASE,
                chart().toString(),
                "--namespace",
                namespace));
    for (Path file : values) {
      command.add("--values");
      command.add(file.toString());
    }
    return Command.run(Duration.ofSeconds(60), command).output();
  }

  private static Path chart() {
    return KubernetesBinaries.repositoryRoot().resolve("helm/chelonia");
  }
}
