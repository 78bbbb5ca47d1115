package io.chelonia.agent.kernel;

import io.chelonia.agent.lifecycle.Closing;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Chelonia's kernel programs, loaded and attached: the records they keep in each socket's storage,
 * the ring buffer (and its overflow map) of closed sockets, and the harvest iterator. The only
 * public door to the kernel side; everything it returns is a Java record.
 *
 * <p>Not thread-safe: one poll thread drives it.
 */
public final class KernelSockets implements AutoCloseable {
  static final String OBJECT_RESOURCE = "chelonia.bpf.o";

  /** PROC_PID_INIT_INO: the inode of the initial PID namespace, the host's. */
  static final long INITIAL_PID_NAMESPACE = 0xEFFFFFFCL;

  /** The programs attached whatever the harvest path; names as in chelonia.bpf.c. */
  static final List<String> EVENT_PROGRAMS =
      List.of(
          KernelConstants.PROGRAM_STATE_CHANGE,
          KernelConstants.PROGRAM_DESTROY,
          KernelConstants.PROGRAM_ERROR_REPORT);

  /** The programs of UDP links: tracepoints, then cgroup programs on the root cgroup v2. */
  static final List<String> UDP_TRACEPOINTS =
      List.of(KernelConstants.PROGRAM_UDP_SEND_LENGTH, KernelConstants.PROGRAM_UDP_RECV_LENGTH);

  static final List<String> UDP_CGROUP_PROGRAMS =
      List.of(
          KernelConstants.PROGRAM_UDP_SENDMSG4,
          KernelConstants.PROGRAM_UDP_SENDMSG6,
          KernelConstants.PROGRAM_UDP_RECVMSG4,
          KernelConstants.PROGRAM_UDP_RECVMSG6);

  private static final int BATCH_CAPACITY = 1024;
  private static final int PAGE = 4096;

  /** Records read per read(2) of the harvest iterator: large enough to keep syscalls rare. */
  private static final int RECORDS_PER_READ = 512;

  private final LibC libc;
  private final BpfObject object;
  private final BpfMap settings;
  private final BpfMap stats;
  private final BpfMap closedOverflow;
  private final BpfMap udpFlows;
  private final RingBuffer<SocketSnapshot> closedSockets;
  private final RingBuffer<DnsMessage> dnsMessages;
  private final HarvestPath path;
  private final BpfLink harvester;
  private final Map<String, BpfLink> attached = new LinkedHashMap<>();
  private final NetworkNamespaces namespaces;
  private final Arena buffers;
  private final BpfMap.BatchBuffers batch;
  private final BpfMap.BatchBuffers udpBatch;
  private final MemorySegment udpKey;
  private final MemorySegment udpValue;
  private final MemorySegment readBuffer;
  private final MemorySegment settingsValue;
  private final long maxSockets;
  private final int possibleCpus;
  private int pass;
  private boolean closed;

  /** Links belong to the object, which the caller closes if this fails; the rest is closed here. */
  private KernelSockets(
      BpfObject object, HarvestPath path, long maxSockets, boolean dnsAnswers, boolean udp) {
    Libbpf libbpf = Libbpf.get();
    this.libc = LibC.get();
    this.object = object;
    this.path = path;
    this.maxSockets = maxSockets;
    this.settings = object.map(KernelConstants.MAP_HARVEST_SETTINGS);
    this.stats = object.map(KernelConstants.MAP_STATS);
    this.closedOverflow = object.map(KernelConstants.MAP_CLOSED_OVERFLOW);
    this.udpFlows = udp ? object.map(KernelConstants.MAP_UDP_FLOWS) : null;
    this.possibleCpus = libbpf.possibleCpus();
    this.buffers = Arena.ofShared();
    try {
      this.settingsValue = buffers.allocate(HarvestSettingsLayout.LAYOUT);
      this.batch =
          new BpfMap.BatchBuffers(buffers, BATCH_CAPACITY, Long.BYTES, SocketRecordLayout.size());
      this.readBuffer = buffers.allocate(SocketRecordLayout.size() * RECORDS_PER_READ, 8);
      this.udpBatch =
          udp
              ? new BpfMap.BatchBuffers(
                  buffers,
                  BATCH_CAPACITY,
                  UdpFlowLayout.KEY.byteSize(),
                  UdpFlowLayout.LAYOUT.byteSize())
              : null;
      this.udpKey = buffers.allocate(UdpFlowLayout.KEY);
      this.udpValue = buffers.allocate(UdpFlowLayout.LAYOUT);
      // Settings first: the programs read the socket limit from the first event on.
      writeSettings(0, HarvestMode.CHANGED);
      for (String program : EVENT_PROGRAMS) {
        attached.put(program, object.attach(program));
      }
      this.harvester = object.attachIterator(path.program);
      attached.put(path.program, harvester);
      if (udp) {
        for (String program : UDP_TRACEPOINTS) {
          attached.put(program, object.attach(program));
        }
      }
      if (dnsAnswers || udp) {
        List<String> cgroupPrograms = new ArrayList<>();
        if (dnsAnswers) {
          cgroupPrograms.add(KernelConstants.PROGRAM_DNS_ANSWER);
        }
        if (udp) {
          cgroupPrograms.addAll(UDP_CGROUP_PROGRAMS);
        }
        try (Fd root = libc.openReadOnly(CgroupRoot.find())) {
          for (String program : cgroupPrograms) {
            attached.put(program, object.attachCgroup(program, root));
          }
        }
      }
      this.closedSockets =
          new RingBuffer<>(
              object.map(KernelConstants.MAP_CLOSED_SOCKETS),
              segment -> SocketRecordLayout.decode(segment, 0));
    } catch (RuntimeException | Error e) {
      buffers.close();
      throw e;
    }
    RingBuffer<DnsMessage> dns = null;
    try {
      if (dnsAnswers) {
        dns =
            new RingBuffer<>(
                object.map(KernelConstants.MAP_DNS_MESSAGES), DnsMessageLayout::decode);
      }
      this.namespaces = new NetworkNamespaces(libc);
    } catch (RuntimeException | Error e) {
      Closing.closeAll(dns, closedSockets, buffers);
      throw e;
    }
    this.dnsMessages = dns;
  }

  /**
   * Checks the kernel, loads the programs with the given sizes and attaches them, choosing the
   * harvest path this agent can use.
   *
   * @throws KernelException with a one-line reason when the kernel, libbpf or the privileges are
   *     not what the programs need
   */
  public static KernelSockets open(KernelOptions options) {
    new KernelRequirements().verify();
    HarvestPath path = inInitialPidNamespace() ? HarvestPath.PROCESSES : HarvestPath.NAMESPACES;
    BpfObject object = BpfObject.open("chelonia", objectBytes());
    try {
      object.setMaxEntries(KernelConstants.MAP_LISTENERS, options.maxListeners());
      object.setMaxEntries(KernelConstants.MAP_CLOSED_SOCKETS, options.ringBufferBytes());
      if (options.dnsAnswers()) {
        object.setMaxEntries(KernelConstants.MAP_DNS_MESSAGES, KernelOptions.DNS_RING_BUFFER_BYTES);
      } else {
        // Off: not loaded, so it never runs; its ring shrinks to the one page a ring must have.
        object.skip(KernelConstants.PROGRAM_DNS_ANSWER);
        object.setMaxEntries(KernelConstants.MAP_DNS_MESSAGES, PAGE);
      }
      if (options.udp()) {
        object.setMaxEntries(KernelConstants.MAP_UDP_FLOWS, KernelOptions.UDP_FLOWS);
      } else {
        // Off: none of them is loaded, so the TCP path runs exactly the programs it runs without.
        for (String program : UDP_TRACEPOINTS) {
          object.skip(program);
        }
        for (String program : UDP_CGROUP_PROGRAMS) {
          object.skip(program);
        }
        object.setMaxEntries(KernelConstants.MAP_UDP_FLOWS, 1);
      }
      object.load();
      KernelSockets kernel =
          new KernelSockets(
              object, path, options.maxSockets(), options.dnsAnswers(), options.udp());
      if (path == HarvestPath.PROCESSES) {
        // Listening ports first, so the first discovery can tell the servers among older sockets.
        kernel.harvestProcesses(HarvestMode.LISTENERS, socket -> {});
      }
      return kernel;
    } catch (RuntimeException | Error e) {
      object.close();
      throw e;
    }
  }

  /** Whether this process sees the host's processes: task_file walks only its PID namespace. */
  static boolean inInitialPidNamespace() {
    return Inodes.of(Path.of("/proc/self/ns/pid")).orElse(0) == INITIAL_PID_NAMESPACE;
  }

  static byte[] objectBytes() {
    try (InputStream in = KernelSockets.class.getResourceAsStream(OBJECT_RESOURCE)) {
      if (in == null) {
        throw new KernelException("the agent jar lacks its kernel object " + OBJECT_RESOURCE);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** How this agent's harvest reaches the sockets. */
  public HarvestPath path() {
    return path;
  }

  /** The programs attached to the kernel, by name. */
  public List<String> attachedPrograms() {
    return List.copyOf(attached.keySet());
  }

  /**
   * One pass of the process harvest ({@link HarvestPath#PROCESSES}): every socket that some process
   * holds, in every network namespace, brought up to date; those the mode asks for are handed to
   * the sink. A socket the probes missed closing comes with {@link SocketSnapshot#closed()} set,
   * once.
   */
  public void harvestProcesses(HarvestMode mode, Consumer<SocketSnapshot> sink) {
    startPass(mode);
    readRecords(harvester.openIterator(), sink);
  }

  /**
   * The namespace harvest ({@link HarvestPath#NAMESPACES}): starts a pass, to be run per namespace.
   */
  public void startNamespacePass(HarvestMode mode) {
    startPass(mode);
  }

  /** Runs the current namespace pass in the agent's own network namespace. */
  public void harvestOwnNamespace(Consumer<SocketSnapshot> sink) {
    readRecords(harvester.openIterator(), sink);
  }

  /** Runs the current namespace pass in the namespace of an nsfs file such as /proc/PID/ns/net. */
  public void harvestNamespace(Path namespace, Consumer<SocketSnapshot> sink) {
    readRecords(namespaces.runIn(namespace, harvester::openIterator), sink);
  }

  private void startPass(HarvestMode mode) {
    // Pass numbers only tell passes apart; 0 means "never written" in a record.
    pass = pass == Integer.MAX_VALUE ? 1 : pass + 1;
    writeSettings(pass, mode);
  }

  private void writeSettings(int passNumber, HarvestMode mode) {
    HarvestSettingsLayout.write(settingsValue, passNumber, mode, maxSockets);
    settings.update(0, settingsValue);
  }

  /**
   * Reads an iterator to its end and decodes the records it wrote. A read may end inside a record:
   * the part read waits at the start of the buffer for the rest.
   */
  private void readRecords(Fd run, Consumer<SocketSnapshot> sink) {
    long recordSize = SocketRecordLayout.size();
    try (run) {
      long filled = 0;
      while (true) {
        long n = libc.read(run, readBuffer.asSlice(filled), "harvest iterator");
        if (n == 0) {
          if (filled != 0) {
            throw new KernelException(
                "harvest iterator ended inside a record (" + filled + " bytes)");
          }
          return;
        }
        filled += n;
        long whole = filled - filled % recordSize;
        for (long offset = 0; offset < whole; offset += recordSize) {
          sink.accept(SocketRecordLayout.decode(readBuffer, offset));
        }
        long rest = filled - whole;
        if (rest > 0) {
          MemorySegment.copy(readBuffer, whole, readBuffer, 0, rest);
        }
        filled = rest;
      }
    }
  }

  /**
   * Hands every socket closed since the last call, with its final counters, to the sink: those the
   * ring buffer carried, then those that found it full and waited in the overflow map.
   */
  public int drainClosed(Consumer<SocketSnapshot> sink) {
    List<SocketSnapshot> fromRing = closedSockets.drain();
    fromRing.forEach(sink);
    List<SocketSnapshot> overflow = new ArrayList<>();
    closedOverflow.forEachValue(
        batch, (values, offset) -> overflow.add(SocketRecordLayout.decode(values, offset)));
    for (SocketSnapshot socket : overflow) {
      closedOverflow.delete(socket.cookie());
      sink.accept(socket);
    }
    return fromRing.size() + overflow.size();
  }

  /**
   * Hands every DNS answer received since the last call to the sink, in the order the kernel saw
   * them; none when DNS answers are off. The ring is read first (its records copied), the sink
   * called after: parsing never runs inside libbpf's callback.
   */
  public int drainDnsMessages(Consumer<DnsMessage> sink) {
    if (dnsMessages == null) {
      return 0;
    }
    List<DnsMessage> messages = dnsMessages.drain();
    messages.forEach(sink);
    return messages.size();
  }

  /** Whether UDP flows are counted (the UDP programs are attached). */
  public boolean countsUdp() {
    return udpFlows != null;
  }

  /**
   * Every UDP flow the kernel holds now, with its cumulative counters; none when UDP is off. A flow
   * stays until {@link #takeOut} takes it.
   */
  public List<UdpFlow> udpFlows() {
    if (udpFlows == null) {
      return List.of();
    }
    List<UdpFlow> flows = new ArrayList<>();
    udpFlows.forEachValue(
        udpBatch, (values, offset) -> flows.add(UdpFlowLayout.decode(values, offset)));
    return flows;
  }

  /**
   * Takes an idle flow's entry out of the kernel, reading its counters as it goes: what a datagram
   * added since {@code flow} was read is in the result. Empty if the entry was gone.
   */
  public Optional<UdpFlow> takeOut(UdpFlow flow) {
    if (udpFlows == null) {
      return Optional.empty();
    }
    UdpFlowLayout.writeKey(flow, udpKey);
    if (!udpFlows.takeOut(udpKey, udpValue)) {
      return Optional.empty();
    }
    return Optional.of(UdpFlowLayout.decode(udpValue, 0));
  }

  /** Events the kernel programs could not record in place, since load. */
  public KernelCounters counters() {
    return new KernelCounters(
        stat(KernelConstants.STAT_SOCKET_LIMIT),
        stat(KernelConstants.STAT_RING_FULL),
        stat(KernelConstants.STAT_LISTENER_MAP_FULL),
        stat(KernelConstants.STAT_CLOSED_DROPPED),
        stat(KernelConstants.STAT_CLOSE_LATE),
        stat(KernelConstants.STAT_STORAGE_FAILED),
        stat(KernelConstants.STAT_DNS_RING_FULL),
        stat(KernelConstants.STAT_UDP_FLOWS_FULL),
        stat(KernelConstants.STAT_UDP_NO_PEER),
        recursionMisses());
  }

  private Map<String, Long> recursionMisses() {
    Map<String, Long> misses = new LinkedHashMap<>();
    attached.forEach((name, link) -> misses.put(name, link.programStats().recursionMisses()));
    return misses;
  }

  private long stat(int index) {
    return stats.sumPerCpu(index, possibleCpus);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    // The ring before the object that owns its map; all of it even when a step fails.
    Closing.closeAll(dnsMessages, closedSockets, object, namespaces, buffers);
  }
}
