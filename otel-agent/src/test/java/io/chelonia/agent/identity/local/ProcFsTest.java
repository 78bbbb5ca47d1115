package io.chelonia.agent.identity.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcFsTest {
  private static final String ID =
      "9bdb4d48b318e51846d18b2cfa66d4a42d49b23ee43940012b0545e1ccfca547";

  @Test
  void containerIdIsFoundInEveryRuntimesCgroupPath() {
    assertThat(ProcFs.containerId("9:name=systemd:/docker/" + ID + "\n0::/")).contains(ID);
    assertThat(ProcFs.containerId("0::/system.slice/docker-" + ID + ".scope")).contains(ID);
    assertThat(
            ProcFs.containerId(
                "0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-" + ID + ".scope"))
        .contains(ID);
    assertThat(ProcFs.containerId("0::/kubepods/besteffort/pod0f3c/crio-" + ID + ".scope"))
        .contains(ID);
    assertThat(ProcFs.containerId("0::/kubepods/burstable/pod0f3c/" + ID)).contains(ID);
  }

  @Test
  void processesOutsideContainersHaveNone() {
    assertThat(ProcFs.containerId("0::/user.slice/user-1000.slice/session-2.scope")).isEmpty();
    assertThat(ProcFs.containerId("0::/")).isEmpty();
  }

  @Test
  void procNetAddressesAreLittleEndianWords() {
    assertThat(SocketOwners.ProcNet.address("010012C6"))
        .isEqualTo(InetAddress.ofLiteral("198.18.0.1"));
    assertThat(SocketOwners.ProcNet.address("0100007F"))
        .isEqualTo(InetAddress.ofLiteral("127.0.0.1"));
    assertThat(SocketOwners.ProcNet.address("B80D01200000E1C40000000002000000"))
        .isEqualTo(InetAddress.ofLiteral("2001:db8:c4e1::2"));
  }

  @Test
  void procNetTcpRowsGiveBothEndsOfTheConnection(@TempDir Path net) throws Exception {
    Path table =
        procNetTable(
            net.resolve("tcp"),
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
            "   0: 010012C6:9C40 020012C6:1F90 01 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 20 4 30 10 -1",
            "   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4343 1 0 100 0 0 10 0");

    assertThat(SocketOwners.ProcNet.tcpEntries(table))
        .containsExactly(
            new SocketOwners.ProcNet.Entry(
                InetAddress.ofLiteral("198.18.0.1"),
                40000,
                InetAddress.ofLiteral("198.18.0.2"),
                8080,
                "01",
                4242),
            new SocketOwners.ProcNet.Entry(
                InetAddress.ofLiteral("0.0.0.0"),
                8080,
                InetAddress.ofLiteral("0.0.0.0"),
                0,
                "0A",
                4343));
  }

  @Test
  void aProcessReadStandsForOneSecondFoundOrMissing(@TempDir Path proc) throws Exception {
    AtomicLong now = new AtomicLong();
    ProcFs procFs = new ProcFs(proc, now::get);
    Path process = Files.createDirectories(proc.resolve("42"));
    Files.writeString(process.resolve("comm"), "before\n");
    Files.writeString(process.resolve("cgroup"), "0::/system.slice/docker-" + ID + ".scope\n");

    assertThat(procFs.process(42)).contains(new LocalProcess(42, "before", Optional.of(ID)));
    Files.writeString(process.resolve("comm"), "after\n");
    now.set(ProcFs.RECENT_NANOS - 1);
    assertThat(procFs.process(42)).contains(new LocalProcess(42, "before", Optional.of(ID)));
    now.set(ProcFs.RECENT_NANOS);
    assertThat(procFs.process(42)).contains(new LocalProcess(42, "after", Optional.of(ID)));

    assertThat(procFs.process(8)).isEmpty();
    Files.createDirectories(proc.resolve("8"));
    Files.writeString(proc.resolve("8/comm"), "late\n");
    Files.writeString(proc.resolve("8/cgroup"), "0::/\n");
    now.set(2 * ProcFs.RECENT_NANOS - 1);
    assertThat(procFs.process(8)).isEmpty();
    now.set(2 * ProcFs.RECENT_NANOS);
    assertThat(procFs.process(8)).contains(new LocalProcess(8, "late", Optional.empty()));
  }

  @Test
  void procNetRowsOfSocketsNotWantedAreSkipped(@TempDir Path net) throws Exception {
    Path table =
        procNetTable(
            net.resolve("tcp6"),
            "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
            "   0: 0000000000000000FFFF0000020A12C6:1BBC 0000000000000000FFFF0000010A12C6:9C40 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000",
            "   1: 0000000000000000FFFF0000020A12C6:1BBC 0000000000000000FFFF0000010A12C6:9C41 01 00000000:00000000 00:00000000 00000000     0        0 5151 1 0 20 4 30 10 -1");

    assertThat(SocketOwners.ProcNet.tcpEntries(table, inode -> inode != 0))
        .containsExactly(
            new SocketOwners.ProcNet.Entry(
                InetAddress.ofLiteral("198.18.10.2"),
                7100,
                InetAddress.ofLiteral("198.18.10.1"),
                40001,
                "01",
                5151));
    assertThat(SocketOwners.ProcNet.tcpEntries(table)).hasSize(2);
  }

  private static Path procNetTable(Path table, String... lines) throws Exception {
    return Files.writeString(table, String.join("\n", lines) + "\n");
  }
}
