package io.chelonia.agent.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The etcd, kube-apiserver, kubectl and Helm binaries that deploy/build-kubernetes.sh built and
 * cached; the script owns their versions and where they are. Tests that need them fail, never skip,
 * when they are missing, with the script's one line saying how to build them.
 */
public record KubernetesBinaries(Path etcd, Path kubeApiserver, Path kubectl, Path helm) {
  private static final String SCRIPT = "deploy/build-kubernetes.sh";

  /** The cached binaries; throws {@link IllegalStateException} saying how to build them if not. */
  public static KubernetesBinaries cached() {
    Command.Result script =
        Command.run(
            Duration.ofSeconds(60),
            List.of("bash", repositoryRoot().resolve(SCRIPT).toString(), "--cached"));
    if (!script.succeeded()) {
      throw new IllegalStateException(script.stderr().strip());
    }
    Map<String, Path> paths = new HashMap<>();
    script
        .stdout()
        .lines()
        .map(line -> line.split("=", 2))
        .filter(pair -> pair.length == 2)
        .forEach(pair -> paths.put(pair[0], Path.of(pair[1])));
    return new KubernetesBinaries(
        paths.get("etcd"), paths.get("kube-apiserver"), paths.get("kubectl"), paths.get("helm"));
  }

  /** The repository's top directory: where deploy/ is, above the module the tests run in. */
  public static Path repositoryRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve(SCRIPT))) {
        return dir;
      }
    }
    throw new IllegalStateException(SCRIPT + " not found above " + Path.of("").toAbsolutePath());
  }
}
