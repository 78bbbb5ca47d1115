package io.chelonia.agent.kernel;

/**
 * Sizes of the kernel maps, fixed at load time.
 *
 * @param maxSockets sockets tracked at once, 0 for no limit (the default); beyond it new sockets
 *     are counted, not tracked. Each record lives in its socket's own storage (about 400 bytes of
 *     kernel memory, charged to that socket and freed with it), so even unlimited the records grow
 *     only with the sockets; a limit costs two atomic operations per socket life
 * @param maxListeners listening ports remembered across all namespaces
 * @param ringBufferBytes ring buffer for closed sockets; a power of two, at least one page
 * @param dnsAnswers copy the DNS answers sockets receive over UDP to the agent: attaches a
 *     cgroup_skb program to the root cgroup v2, which runs for every packet delivered to a socket
 *     (see README, "Names from DNS answers", for what it costs); off, the program is not even
 *     loaded
 * @param udp count UDP flows (UDP links): attaches the tracepoints sock_send_length and
 *     sock_recv_length, which run for every sendmsg and recvmsg call of every socket, TCP's too,
 *     and cgroup sendmsg/recvmsg programs on the root cgroup v2 for the peers of unconnected
 *     sockets (see README, "UDP links", for what it costs); off, none of them is even loaded
 */
public record KernelOptions(
    int maxSockets, int maxListeners, int ringBufferBytes, boolean dnsAnswers, boolean udp) {
  public static final int DEFAULT_MAX_SOCKETS = 0;
  public static final int DEFAULT_MAX_LISTENERS = 8_192;

  /**
   * About 13,000 closed records between two polls, the overflow map 16,384 more; every page of the
   * ring is mapped twice into the agent and, once the ring has gone round, resident: 4 MiB cost 8
   * MiB of RSS (bench/footprint, 2026-12-01), 2 MiB cost 4.
   */
  public static final int DEFAULT_RING_BUFFER_BYTES = 2 << 20;

  private static final int PAGE = 4096;

  /** Ring buffer for DNS answers: about 800 answers of the largest size copied. */
  public static final int DNS_RING_BUFFER_BYTES = 1 << 20;

  /** UDP flows at once: entries idle for a few polls are taken out by the agent. */
  public static final int UDP_FLOWS = 16_384;

  /** Without DNS answers nor UDP. */
  public KernelOptions(int maxSockets, int maxListeners, int ringBufferBytes) {
    this(maxSockets, maxListeners, ringBufferBytes, false, false);
  }

  public KernelOptions {
    if (maxSockets < 0) {
      throw new IllegalArgumentException(
          "max sockets must be 0 (no limit) or more, was " + maxSockets);
    }
    if (maxListeners < 1) {
      throw new IllegalArgumentException("max listeners must be at least 1, was " + maxListeners);
    }
    if (ringBufferBytes < PAGE || Integer.bitCount(ringBufferBytes) != 1) {
      throw new IllegalArgumentException(
          "ring buffer bytes must be a power of two of at least "
              + PAGE
              + ", was "
              + ringBufferBytes);
    }
  }

  public KernelOptions withDnsAnswers(boolean dnsAnswers) {
    return new KernelOptions(maxSockets, maxListeners, ringBufferBytes, dnsAnswers, udp);
  }

  public KernelOptions withUdp(boolean udp) {
    return new KernelOptions(maxSockets, maxListeners, ringBufferBytes, dnsAnswers, udp);
  }

  public static KernelOptions defaults() {
    return new KernelOptions(DEFAULT_MAX_SOCKETS, DEFAULT_MAX_LISTENERS, DEFAULT_RING_BUFFER_BYTES);
  }
}
