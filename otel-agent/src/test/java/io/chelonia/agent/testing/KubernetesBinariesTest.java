package io.chelonia.agent.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tests that need the API server's binaries fail with one line saying how to build them. */
class KubernetesBinariesTest {
  @Test
  void missingBinariesAreOneLineSayingWhichScriptBuildsThem(@TempDir Path emptyCache) {
    Command.Result cached =
        Command.run(
            Duration.ofSeconds(60),
            List.of(
                "env",
                "CHELONIA_CACHE=" + emptyCache,
                "bash",
                KubernetesBinaries.repositoryRoot()
                    .resolve("deploy/build-kubernetes.sh")
                    .toString(),
                "--cached"));

    assertThat(cached.exitCode()).isEqualTo(1);
    assertThat(cached.stdout()).isEmpty();
    assertThat(cached.stderr().lines())
        .singleElement()
        .asString()
        .contains("not built under " + emptyCache)
        .endsWith("run deploy/build-kubernetes.sh (about 13 min the first time)");
  }

  @Test
  void cachedBinariesAreFoundWhereTheScriptBuiltThem() {
    KubernetesBinaries binaries = KubernetesBinaries.cached();

    assertThat(
            List.of(binaries.etcd(), binaries.kubeApiserver(), binaries.kubectl(), binaries.helm()))
        .allSatisfy(binary -> assertThat(binary).isExecutable());
    assertThat(
            Command.run(
                    Duration.ofSeconds(30),
                    List.of(binaries.kubectl().toString(), "version", "--client"))
                .output())
        .contains("Client Version: v1.34.4");
  }
}
