package io.chelonia.agent.identity.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.testing.HostileText;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Generated hostile cgroup paths (directory names are anyone's under a delegated subtree). */
class CgroupPodsFuzzTest {
  private static final String UID = "0f3c2a1b-1234-4cde-9abc-0123456789ab";

  @Test
  void pathsNeverThrowAndYieldAPodUidOrNothing() {
    HostileText inputs =
        new HostileText(
            23,
            List.of(
                "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
                    + UID.replace('-', '_')
                    + ".slice/cri-containerd-abc.scope",
                "/kubepods/besteffort/pod" + UID + "/crio-abc.scope",
                "/system.slice/docker.service"));
    for (String path : inputs.take(20_000, 400)) {
      String uid = CgroupPods.podUidIn(path);
      assertThat(uid)
          .as("from %s", path)
          .matches("|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    }
    assertThat(CgroupPods.podUidIn("/kubepods/besteffort/pod" + UID + "/crio-abc.scope"))
        .isEqualTo(UID);
  }
}
