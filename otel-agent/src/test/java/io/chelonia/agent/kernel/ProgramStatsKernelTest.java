package io.chelonia.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.chelonia.agent.lifecycle.Closing;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The kernel's own count of our programs' runs, read through bpf_obj_get_info_by_fd on the
 * program's descriptor, on the real kernel with real loopback connections. Needs root.
 */
class ProgramStatsKernelTest {
  private static final int CONNECTIONS = 20;

  private BpfObject object;
  private BpfLink stateChanges;

  /** Run-time statistics are counted while this descriptor is open. */
  private Fd statistics;

  @BeforeEach
  void loadAndAttachOneProgram() {
    object = BpfObject.open("chelonia", KernelSockets.objectBytes());
    object.load();
    stateChanges = object.attach(KernelConstants.PROGRAM_STATE_CHANGE);
    statistics = Libbpf.get().enableRunTimeStats();
  }

  @AfterEach
  void close() {
    Closing.closeAll(statistics, object);
  }

  @Test
  void attachedProgramCountsRunsAndTimeWhileStatisticsAreEnabled() throws IOException {
    ProgramStats before = stateChanges.programStats();

    connectOnLoopback(CONNECTIONS);

    ProgramStats after = stateChanges.programStats();
    // Each connect() alone moves the client through SYN_SENT and ESTABLISHED before it returns.
    assertThat(after.runCount() - before.runCount()).isGreaterThanOrEqualTo(2L * CONNECTIONS);
    assertThat(after.runTimeNanos()).isGreaterThan(before.runTimeNanos());
    assertThat(after.recursionMisses()).isZero();
  }

  @Test
  void programLoadedButNotAttachedNeverRuns() throws IOException {
    connectOnLoopback(CONNECTIONS);

    Fd errors = object.programFd(KernelConstants.PROGRAM_ERROR_REPORT);
    assertThat(Libbpf.get().programStats(errors, KernelConstants.PROGRAM_ERROR_REPORT))
        .isEqualTo(new ProgramStats(0, 0, 0));
  }

  @Test
  void programFdOfTheLinkAndOfTheObjectAreTheSameProgram() {
    assertThat(stateChanges.programFd().number())
        .isEqualTo(object.programFd(KernelConstants.PROGRAM_STATE_CHANGE).number());
  }

  private static void connectOnLoopback(int connections) throws IOException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (ServerSocket server = new ServerSocket(0, connections, loopback)) {
      for (int i = 0; i < connections; i++) {
        try (Socket client = new Socket(loopback, server.getLocalPort());
            Socket accepted = server.accept()) {
          client.getOutputStream().write(i);
          assertThat(accepted.getInputStream().read()).isEqualTo(i);
        }
      }
    }
  }
}
