package io.chelonia.agent.identity.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class ProcFsTest {
  private static final String ID = "9bdb4d48b318e51846d18b2cfa66d4a42d49b23ee43940012b0545e1ccfca547";

  @Test
  void containerIdIsFoundInEveryRuntimesCgroupPath() {
    assertThat(ProcFs.containerId("9:name=systemd:/docker/" + ID + "\n0::/")).contains(ID);
    assertThat(ProcFs.containerId("0::/system.slice/docker-" + ID + ".scope")).contains(ID);
    assertThat(ProcFs.containerId("0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-" + ID + ".scope")).contains(ID);
    assertThat(ProcFs.containerId("0::/kubepods/besteffort/pod0f3c/crio-" + ID + ".scope")).contains(ID);
    assertThat(ProcFs.containerId("0::/kubepods/burstable/pod0f3c/" + ID)).contains(ID);
  }

  @Test
  void processesOutsideContainersHaveNone() {
    assertThat(ProcFs.containerId("0::/user.slice/user-1000.slice/session-2.scope")).isEmpty();
    assertThat(ProcFs.containerId("0::/")).isEmpty();
  }

  @Test
  void procNetAddressesAreLittleEndianWords() {
    assertThat(SocketOwners.ProcNet.address("010012C6")).isEqualTo(InetAddress.ofLiteral("198.18.0.1"));
    assertThat(SocketOwners.ProcNet.address("0100007F")).isEqualTo(InetAddress.ofLiteral("127.0.0.1"));
    assertThat(SocketOwners.ProcNet.address("B80D01200000E1C40000000002000000"))
        .isEqualTo(InetAddress.ofLiteral("2001:db8:c4e1::2"));
  }
}
