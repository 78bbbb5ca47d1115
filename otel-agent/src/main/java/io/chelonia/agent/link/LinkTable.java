package io.chelonia.agent.link;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.EndpointQuery;
import io.chelonia.agent.identity.EndpointResolver;
import io.chelonia.agent.kernel.SocketRole;
import io.chelonia.agent.kernel.SocketSnapshot;
import io.chelonia.agent.kernel.UdpFlow;
import io.chelonia.agent.tracing.ActualDestination;
import io.chelonia.agent.tracing.ActualDestinations;
import io.chelonia.agent.tracing.SocketPoll;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Folds socket polls into links. Keeps, per socket, the counters already counted, so each poll adds
 * only what is new, and a closed socket adds its final bytes exactly once. Each socket's two ends
 * are named at first sight and keep that name for the socket's life. A socket with an end known
 * then only by its address is held back a few polls ({@link NamingWait}) while the sources answer,
 * and counted whole once named; one still unnamed after that counts under the address, and its end
 * is asked again at later polls, until a source names it.
 *
 * <p>Not thread-safe: the poll thread applies polls and takes snapshots.
 */
public final class LinkTable {
  /**
   * A socket missing from this many complete harvests in a row, with no close record, is taken as
   * gone. Polls in between hand over only changed sockets, so absence there means nothing; and a
   * socket no process holds (waiting to be accepted, or closing after its process let go) is
   * missing even from complete harvests until its close record comes.
   */
  static final int COMPLETE_HARVESTS_BEFORE_LOST = 2;

  /** The longest wait, in polls, between two attempts to name a socket's unnamed end. */
  static final int MAX_NAMING_BACKOFF = 64;

  private static final int DNS_PORT = 53;

  private final EndpointResolver resolver;
  private final ActualDestinations destinations;
  private final PortRange ephemeralPorts;
  private final LongMap<TrackedSocket> sockets = new LongMap<>();
  private final Map<LinkKey, Totals> links = new HashMap<>();
  private final Map<UdpFlow.Id, TrackedFlow> udpFlows = new HashMap<>();
  private final NamingWait<TrackedSocket> namingWait;
  private final LocalPeers localPeers = new LocalPeers();
  private final LocalServers localServers = new LocalServers();
  private long polls;
  private long completeHarvests;
  private long unknownRoleSockets;
  private long lostSockets;
  private long expiredLinks;

  /** With the default naming wait, {@value NamingWait#DEFAULT_POLLS} polls. */
  public LinkTable(EndpointResolver resolver, PortRange ephemeralPorts) {
    this(resolver, ephemeralPorts, NamingWait.DEFAULT_POLLS);
  }

  /**
   * @param namingWaitPolls how many polls a socket with an end known only by its address waits for
   *     a name before it is counted under the address; 0 counts it at once
   */
  public LinkTable(EndpointResolver resolver, PortRange ephemeralPorts, int namingWaitPolls) {
    this(resolver, ActualDestinations.NONE, ephemeralPorts, namingWaitPolls);
  }

  /**
   * @param destinations where client sockets to a Service really went: the server end of such a
   *     socket is named by the backend that answered, and waits for the answer as it waits for a
   *     name
   */
  public LinkTable(
      EndpointResolver resolver,
      ActualDestinations destinations,
      PortRange ephemeralPorts,
      int namingWaitPolls) {
    this.resolver = resolver;
    this.destinations = destinations;
    this.ephemeralPorts = ephemeralPorts;
    this.namingWait = new NamingWait<>(namingWaitPolls);
  }

  public void apply(SocketPoll poll) {
    polls++;
    if (poll.complete()) {
      completeHarvests++;
    }
    Instant now = poll.time();
    localPeers.reset(poll, sockets::containsKey);
    localServers.reset(poll);
    for (SocketSnapshot socket : poll.live()) {
      fold(socket, now);
    }
    for (SocketSnapshot socket : poll.closed()) {
      fold(socket, now);
    }
    namingWait.release(
        polls,
        this::nameWhileWaiting,
        (tracked, latest, rttSamples, lastSeen) ->
            countReleased(tracked, latest, rttSamples, lastSeen, now));
    for (UdpFlow flow : poll.udpFlows()) {
      countFlow(flow, now, false);
    }
    for (UdpFlow flow : poll.udpFlowsEnded()) {
      countFlow(flow, now, true);
    }
    if (poll.complete()) {
      sweepLost();
    }
  }

  /**
   * Adds what a UDP flow carried beyond what was counted. Its ends are named at first sight and
   * asked again, as a socket's, while one is only an address; a flow held back for a name is not
   * needed: its counters are cumulative in the kernel, so a renamed flow counts from then on under
   * its new link. An ended flow is counted a last time and forgotten.
   */
  private void countFlow(UdpFlow flow, Instant now, boolean ended) {
    TrackedFlow tracked = ended ? udpFlows.remove(flow.id()) : udpFlows.get(flow.id());
    if (tracked == null) {
      tracked =
          new TrackedFlow(
              flow.role() != SocketRole.SERVER,
              new FlowPlace(
                  flow.netns(), flow.localPort(), flow.remoteAddress(), flow.remotePort()));
      tracked.key = udpKeyOf(flow, tracked.client);
      tracked.settled =
          resolver.isFinal(tracked.key.client()) && resolver.isFinal(tracked.key.server());
      tracked.nextNaming = polls + 1;
      if (!ended) {
        udpFlows.put(flow.id(), tracked);
      }
    } else if (!tracked.settled && polls >= tracked.nextNaming) {
      tracked.key = keepFinalEnds(tracked.key, udpKeyOf(flow, tracked.client));
      tracked.settled =
          resolver.isFinal(tracked.key.client()) && resolver.isFinal(tracked.key.server());
      tracked.namingBackoff = Math.min(tracked.namingBackoff * 2, MAX_NAMING_BACKOFF);
      tracked.nextNaming = polls + tracked.namingBackoff;
    }
    Totals link = totalsOf(tracked.key, now);
    tracked.key = link.key;
    long bytesSent = Math.max(0, flow.bytesSent() - tracked.bytesSent);
    long bytesReceived = Math.max(0, flow.bytesReceived() - tracked.bytesReceived);
    long datagramsSent = Math.max(0, flow.datagramsSent() - tracked.datagramsSent);
    long datagramsReceived = Math.max(0, flow.datagramsReceived() - tracked.datagramsReceived);
    tracked.bytesSent = Math.max(tracked.bytesSent, flow.bytesSent());
    tracked.bytesReceived = Math.max(tracked.bytesReceived, flow.bytesReceived());
    tracked.datagramsSent = Math.max(tracked.datagramsSent, flow.datagramsSent());
    tracked.datagramsReceived = Math.max(tracked.datagramsReceived, flow.datagramsReceived());
    if (tracked.client) {
      link.bytesClientToServer += bytesSent;
      link.bytesServerToClient += bytesReceived;
      link.datagramsClientToServer += datagramsSent;
      link.datagramsServerToClient += datagramsReceived;
    } else {
      link.bytesClientToServer += bytesReceived;
      link.bytesServerToClient += bytesSent;
      link.datagramsClientToServer += datagramsReceived;
      link.datagramsServerToClient += datagramsSent;
    }
    link.lastSeen = now;
  }

  /**
   * A UDP flow's link: the client is the end that sent first. A peer that is a Service stays the
   * server end (the backend that answered is not looked up for UDP).
   */
  private LinkKey udpKeyOf(UdpFlow flow, boolean client) {
    Endpoint local =
        resolver.resolve(
            new EndpointQuery(
                flow.localAddress(),
                true,
                flow.pid(),
                flow.comm(),
                flow.cgroupId(),
                flow.netns(),
                flow.localPort(),
                !client,
                flow.remoteAddress(),
                flow.remotePort()));
    Endpoint remote =
        resolver.resolve(
            new EndpointQuery(
                flow.remoteAddress(),
                false,
                0,
                "",
                0,
                flow.netns(),
                flow.remotePort(),
                client,
                flow.localAddress(),
                flow.localPort()));
    NetworkType type = NetworkType.of(flow.remoteAddress());
    if (!client) {
      return new LinkKey(
          remote, local, flow.localPort(), type, Observer.SERVER, Optional.empty(), Transport.UDP);
    }
    Optional<Endpoint> service = remote.isService() ? Optional.of(remote) : Optional.empty();
    return new LinkKey(
        local, remote, flow.remotePort(), type, Observer.CLIENT, service, Transport.UDP);
  }

  private void fold(SocketSnapshot socket, Instant now) {
    TrackedSocket tracked = sockets.get(socket.cookie());
    if (tracked == null) {
      if (namingWait.update(socket, completeHarvests)) {
        return;
      }
      tracked = track(socket);
      if (!tracked.settled && namingWait.start(socket, tracked, polls, completeHarvests)) {
        return;
      }
      sockets.put(socket.cookie(), tracked);
    } else if (!tracked.settled && polls >= tracked.nextNaming) {
      rename(socket, tracked, now);
    }
    tracked.lastHarvest = completeHarvests;
    count(socket, tracked, now, true);
  }

  /** Asks again for the names of a socket held back; true once they are final. */
  private boolean nameWhileWaiting(TrackedSocket tracked, SocketSnapshot latest) {
    tracked.key = keepFinalEnds(tracked.key, keyOf(latest, tracked));
    tracked.settled = isSettled(tracked);
    return tracked.settled;
  }

  /** A socket let go by the naming wait: all it carried while held is counted now, once. */
  private void countReleased(
      TrackedSocket tracked, SocketSnapshot latest, int[] rttSamples, long lastSeen, Instant now) {
    sockets.put(latest.cookie(), tracked);
    tracked.lastHarvest = lastSeen;
    Totals link = count(latest, tracked, now, false);
    for (int sample : rttSamples) {
      link.rtt.record(sample);
    }
  }

  /** Adds what a socket's record carries beyond what was counted; its RTT when asked to. */
  private Totals count(
      SocketSnapshot socket, TrackedSocket tracked, Instant now, boolean sampleRtt) {
    Totals link = totalsOf(tracked.key, now);
    // The link's own key from now on: its sockets share one key and its two ends.
    tracked.key = link.key;

    long sent = Math.max(0, socket.bytesSent() - tracked.bytesSent);
    long received = Math.max(0, socket.bytesReceived() - tracked.bytesReceived);
    long retransmits = Math.max(0, socket.retransmits() - tracked.retransmits);
    tracked.bytesSent = Math.max(tracked.bytesSent, socket.bytesSent());
    tracked.bytesReceived = Math.max(tracked.bytesReceived, socket.bytesReceived());
    tracked.retransmits = Math.max(tracked.retransmits, socket.retransmits());
    if (tracked.key.observer() == Observer.CLIENT) {
      link.bytesClientToServer += sent;
      link.bytesServerToClient += received;
    } else {
      link.bytesClientToServer += received;
      link.bytesServerToClient += sent;
    }
    link.retransmits += retransmits;
    if (socket.established() && !tracked.established) {
      tracked.established = true;
      link.active++;
      if (!socket.discovered()) {
        link.opened++;
      }
    }
    // One RTT sample per socket per poll in which it carried data: idle sockets repeat old news.
    if (sampleRtt && socket.smoothedRttMicros() > 0 && (sent > 0 || received > 0)) {
      link.rtt.record(socket.smoothedRttMicros());
    }
    if (socket.closed()) {
      close(socket, tracked, link);
    }
    link.lastSeen = now;
    return link;
  }

  private void close(SocketSnapshot socket, TrackedSocket tracked, Totals link) {
    sockets.remove(socket.cookie());
    if (tracked.established) {
      link.active--;
    }
    FailureReason.of(socket.established(), socket.error(), socket.softError())
        .ifPresent(link::fail);
  }

  private TrackedSocket track(SocketSnapshot socket) {
    TrackedSocket tracked = new TrackedSocket(isClient(socket));
    tracked.key = keyOf(socket, tracked);
    tracked.settled = isSettled(tracked);
    tracked.nextNaming = polls + 1;
    // An older socket's retransmits before the agent are not ours to report; its bytes are
    // already counted from zero by the kernel side.
    if (socket.discovered()) {
      tracked.retransmits = socket.retransmits();
    }
    return tracked;
  }

  /**
   * Asks again for the names of a socket whose ends were only addresses at first sight: what the
   * socket carries from now on goes to the named link, what it carried stays where it was counted.
   * Asked at polls 1, 2, 4, 8... after first sight, then every {@value #MAX_NAMING_BACKOFF} polls.
   */
  private void rename(SocketSnapshot socket, TrackedSocket tracked, Instant now) {
    LinkKey renamed = keepFinalEnds(tracked.key, keyOf(socket, tracked));
    if (!renamed.equals(tracked.key) && tracked.established) {
      links.get(tracked.key).active--;
      totalsOf(renamed, now).active++;
    }
    tracked.key = renamed;
    tracked.settled = isSettled(tracked);
    tracked.namingBackoff = Math.min(tracked.namingBackoff * 2, MAX_NAMING_BACKOFF);
    tracked.nextNaming = polls + tracked.namingBackoff;
  }

  /**
   * An end named at first sight keeps its name while the other is asked again: the address may
   * belong to someone else by now (a pod deleted, its IP given to a new pod). A Service end is no
   * last word while its backend is asked for: the backend that answered replaces it.
   */
  private LinkKey keepFinalEnds(LinkKey named, LinkKey asked) {
    boolean keepServer = resolver.isFinal(named.server()) && !named.server().isService();
    return new LinkKey(
        resolver.isFinal(named.client()) ? named.client() : asked.client(),
        keepServer ? named.server() : asked.server(),
        asked.serverPort(),
        asked.networkType(),
        asked.observer(),
        asked.service(),
        asked.transport());
  }

  /** Both ends have their final names, and a Service's backend is known or known to be none. */
  private boolean isSettled(TrackedSocket tracked) {
    return resolver.isFinal(tracked.key.client())
        && resolver.isFinal(tracked.key.server())
        && tracked.destination != ActualDestination.PENDING;
  }

  /**
   * The process at the other end, when it is on this machine, looked for again while not found: the
   * other end's record may come a harvest later (a close drained from the ring).
   */
  private LocalPeers.Peer connectorOf(TrackedSocket tracked, SocketSnapshot socket) {
    if (tracked.connector == null) {
      tracked.connector = localPeers.peerOf(socket);
    }
    return tracked.connector;
  }

  /**
   * The socket's link as known now. An end on this machine is named by the process its own socket
   * records: a server socket's client end by the process the kernel saw connect, a client socket's
   * server end by the process holding the accepted socket, so both sides name it alike. A client
   * socket whose peer is a Service is named by the backend that answered, once known.
   */
  private LinkKey keyOf(SocketSnapshot socket, TrackedSocket tracked) {
    LocalPeers.Peer connector = connectorOf(tracked, socket);
    Endpoint local =
        resolver.resolve(
            new EndpointQuery(
                socket.localAddress(),
                true,
                socket.pid(),
                socket.comm(),
                socket.cgroupId(),
                socket.netns(),
                socket.localPort(),
                !tracked.client,
                socket.remoteAddress(),
                socket.remotePort()));
    Endpoint remote =
        resolver.resolve(
            new EndpointQuery(
                socket.remoteAddress(),
                false,
                connector == null ? 0 : connector.pid(),
                connector == null ? "" : connector.comm(),
                connector == null ? 0 : connector.cgroupId(),
                socket.netns(),
                socket.remotePort(),
                tracked.client,
                socket.localAddress(),
                socket.localPort()));
    NetworkType type = NetworkType.of(socket.remoteAddress());
    if (!tracked.client) {
      return new LinkKey(remote, local, socket.localPort(), type, Observer.SERVER);
    }
    if (!remote.isService()) {
      return new LinkKey(local, remote, socket.remotePort(), type, Observer.CLIENT);
    }
    if (tracked.destination == null || tracked.destination == ActualDestination.PENDING) {
      tracked.destination = destinations.of(socket);
    }
    if (tracked.destination instanceof ActualDestination.Translated(var backend, int port)) {
      Endpoint answered =
          resolver.resolve(
              new EndpointQuery(
                  backend,
                  false,
                  0,
                  "",
                  0,
                  socket.netns(),
                  port,
                  true,
                  socket.localAddress(),
                  socket.localPort()));
      return new LinkKey(local, answered, port, type, Observer.CLIENT, Optional.of(remote));
    }
    return new LinkKey(
        local, remote, socket.remotePort(), type, Observer.CLIENT, Optional.of(remote));
  }

  /**
   * The kernel knows the role of sockets it saw born, and of older sockets whose local port is
   * listening or that inherited a listen backlog. For the rest, a peer that is a server socket of
   * the same harvest means a client (both ends of a connection on this node, found together); then
   * a local port in the ephemeral range means a client; failing that, the lower port is taken as
   * the server's, and counted.
   */
  private boolean isClient(SocketSnapshot socket) {
    if (socket.role() != SocketRole.UNKNOWN) {
      return socket.role() == SocketRole.CLIENT;
    }
    if (localServers.isPeerServer(socket)) {
      return true;
    }
    if (ephemeralPorts.contains(socket.localPort())) {
      return true;
    }
    unknownRoleSockets++;
    return socket.localPort() > socket.remotePort();
  }

  private void sweepLost() {
    sockets.removeIf(
        tracked -> completeHarvests - tracked.lastHarvest >= COMPLETE_HARVESTS_BEFORE_LOST,
        tracked -> {
          lostSockets++;
          if (tracked.established) {
            links.get(tracked.key).active--;
          }
        });
  }

  /**
   * The link's totals, made at its first sight. Found and put without a lambda: one capturing
   * {@code now} was an allocation per socket per poll.
   */
  private Totals totalsOf(LinkKey key, Instant now) {
    Totals link = links.get(key);
    if (link == null) {
      link = new Totals(key, now);
      links.put(key, link);
    }
    return link;
  }

  /** Every link's totals now. */
  public List<Link> links() {
    List<Link> snapshot = new ArrayList<>(links.size());
    for (Totals totals : links.values()) {
      snapshot.add(totals.toLink());
    }
    return snapshot;
  }

  /**
   * Forgets links with no open connection that carried nothing since {@code now - idle}, so a node
   * that talked to many peers once does not keep their series forever. A link that comes back later
   * starts a new cumulative series.
   *
   * @return the links forgotten, with their final totals
   */
  public List<Link> expireIdle(Instant now, Duration idle) {
    Instant cutoff = now.minus(idle);
    List<Link> expired = new ArrayList<>();
    Iterator<Totals> it = links.values().iterator();
    while (it.hasNext()) {
      Totals totals = it.next();
      if (totals.active == 0 && totals.lastSeen.isBefore(cutoff)) {
        expired.add(totals.toLink());
        it.remove();
      }
    }
    expiredLinks += expired.size();
    return expired;
  }

  /** The table's own figures now; sockets waiting for a name count as followed. */
  public TableCounters counters() {
    return new TableCounters(
        sockets.size() + namingWait.size() + udpFlows.size(),
        links.size(),
        unknownRoleSockets,
        lostSockets,
        expiredLinks,
        namingWait.fallbacks());
  }

  /**
   * How many distinct key objects the followed sockets hold (by identity): one per link, however
   * many sockets it has, for tests of the table's memory.
   */
  int socketKeyObjects() {
    Set<LinkKey> keys = Collections.newSetFromMap(new IdentityHashMap<>());
    sockets.forEachValue(tracked -> keys.add(tracked.key));
    return keys.size();
  }

  private static final class TrackedSocket {
    final boolean client;

    /** The process at the other end, when the harvest had it (both ends on this machine). */
    LocalPeers.Peer connector;

    LinkKey key;
    boolean settled;

    /** For a client socket to a Service, where it went; null until asked. */
    ActualDestination destination;

    long nextNaming;
    int namingBackoff = 1;

    /** The number of complete harvests made when the socket was last handed over. */
    long lastHarvest;

    long bytesSent;
    long bytesReceived;
    long retransmits;
    boolean established;

    TrackedSocket(boolean client) {
      this.client = client;
    }
  }

  /**
   * Counts DNS answers on the UDP link of the client socket that received them: the flow of that
   * socket (its namespace and port) with the resolver's port 53, when it is followed. Call after
   * {@link #apply}: a query and its answer are read in the same poll, the answer first.
   *
   * @return how many answers matched no followed flow (a socket the filter leaves out, a flow
   *     already forgotten): not counted on any link
   */
  public int countDnsAnswers(List<ResolverAnswer> answers) {
    if (answers.isEmpty()) {
      return 0;
    }
    Map<FlowPlace, TrackedFlow> byPlace = new HashMap<>();
    for (TrackedFlow flow : udpFlows.values()) {
      if (flow.client && flow.place.peerPort() == DNS_PORT) {
        byPlace.put(flow.place, flow);
      }
    }
    int unmatched = 0;
    for (ResolverAnswer answer : answers) {
      TrackedFlow flow =
          byPlace.get(
              new FlowPlace(answer.netns(), answer.clientPort(), answer.resolver(), DNS_PORT));
      Totals link = flow == null ? null : links.get(flow.key);
      if (link == null) {
        unmatched++;
        continue;
      }
      link.answer(answer.rcode());
    }
    return unmatched;
  }

  /** Where a UDP flow is: its socket's namespace and port, its peer. */
  private record FlowPlace(long netns, int localPort, InetAddress peer, int peerPort) {}

  /** One UDP flow: what of its cumulative counters was counted already. */
  private static final class TrackedFlow {
    final boolean client;
    final FlowPlace place;
    LinkKey key;
    boolean settled;
    long nextNaming;
    int namingBackoff = 1;
    long bytesSent;
    long bytesReceived;
    long datagramsSent;
    long datagramsReceived;

    TrackedFlow(boolean client, FlowPlace place) {
      this.client = client;
      this.place = place;
    }
  }

  /**
   * One link's totals, counted in place. Its key is the one its sockets keep (one key and two ends
   * per link, not per socket). The failure and DNS-answer counts are made at their first need: most
   * links have neither.
   */
  private static final class Totals {
    final LinkKey key;
    final Instant firstSeen;
    Instant lastSeen;
    long bytesClientToServer;
    long bytesServerToClient;
    long datagramsClientToServer;
    long datagramsServerToClient;
    long opened;
    long active;
    long retransmits;
    final RttHistogram rtt = new RttHistogram();
    private Map<Integer, Long> dnsAnswers;
    private long answerCount;
    private Map<FailureReason, Long> failures;
    private long failureCount;

    /** The last {@link #toLink()}, handed out again while nothing in it changed. */
    private Link snapshot;

    private long failuresInSnapshot;
    private long answersInSnapshot;

    Totals(LinkKey key, Instant firstSeen) {
      this.key = key;
      this.firstSeen = firstSeen;
      this.lastSeen = firstSeen;
    }

    void fail(FailureReason reason) {
      if (failures == null) {
        failures = new EnumMap<>(FailureReason.class);
      }
      failures.merge(reason, 1L, Long::sum);
      failureCount++;
    }

    void answer(int rcode) {
      if (dnsAnswers == null) {
        dnsAnswers = new TreeMap<>();
      }
      dnsAnswers.merge(rcode, 1L, Long::sum);
      answerCount++;
    }

    /**
     * The link now. The same object as last time when nothing moved: most links are idle between
     * two polls, and a new copy of each at every poll was most of what a steady poll allocated.
     */
    Link toLink() {
      if (snapshot == null || !snapshotCurrent()) {
        snapshot =
            new Link(
                key,
                new LinkTotals(
                    bytesClientToServer,
                    bytesServerToClient,
                    opened,
                    active,
                    failures == null ? Map.of() : failures,
                    retransmits,
                    rtt.summary(),
                    datagramsClientToServer,
                    datagramsServerToClient,
                    dnsAnswers == null ? Map.of() : dnsAnswers),
                firstSeen,
                lastSeen);
        failuresInSnapshot = failureCount;
        answersInSnapshot = answerCount;
      }
      return snapshot;
    }

    /**
     * Whether the snapshot still tells these totals: every counter in it is compared, and the maps
     * and the histogram only grow, so their counts tell whether they moved.
     */
    private boolean snapshotCurrent() {
      LinkTotals totals = snapshot.totals();
      return snapshot.lastSeen().equals(lastSeen)
          && totals.bytesClientToServer() == bytesClientToServer
          && totals.bytesServerToClient() == bytesServerToClient
          && totals.connectionsOpened() == opened
          && totals.activeConnections() == active
          && totals.retransmits() == retransmits
          && totals.datagramsClientToServer() == datagramsClientToServer
          && totals.datagramsServerToClient() == datagramsServerToClient
          && totals.rtt().samples() == rtt.samples
          && failuresInSnapshot == failureCount
          && answersInSnapshot == answerCount;
    }
  }

  /** A link's RTT samples, counted in place: no allocation per sample. */
  private static final class RttHistogram {
    final long[] buckets = new long[RttSummary.BOUNDARIES_MICROS.size() + 1];
    long samples;
    long sum;
    long min;
    long max;

    void record(long micros) {
      min = samples == 0 ? micros : Math.min(min, micros);
      max = Math.max(max, micros);
      samples++;
      sum += micros;
      buckets[RttSummary.bucketOf(micros)]++;
    }

    RttSummary summary() {
      if (samples == 0) {
        return RttSummary.EMPTY;
      }
      // A loop, not a stream: this runs for every link that moved, at every poll.
      Long[] counts = new Long[buckets.length];
      for (int i = 0; i < buckets.length; i++) {
        counts[i] = buckets[i];
      }
      return new RttSummary(samples, sum, min, max, List.of(counts));
    }
  }
}
