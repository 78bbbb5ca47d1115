package io.chelonia.agent.testing;

import io.chelonia.agent.kernel.SocketRole;
import io.chelonia.agent.kernel.SocketSnapshot;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Test data for {@link SocketSnapshot}: one TCP socket as the kernel would report it, built
 * fluently. Immutable: every method returns a new builder, so one socket can be reported in several
 * polls with growing counters:
 *
 * <pre>{@code
 * Sockets conn = Sockets.client("10.0.0.1", 40000, "10.0.0.2", 5432).established();
 * poll(conn.sent(100).build());
 * poll(conn.sent(250).closed().build());
 * }</pre>
 *
 * <p>Each factory call takes a fresh cookie (a new socket life) unless {@link #cookie} says
 * otherwise. The flag values mirror the package-private constants of {@link SocketSnapshot}.
 */
public final class Sockets {
  public static final int FLAG_BORN_SEEN = 1;
  public static final int FLAG_ESTABLISHED = 1 << 1;
  public static final int FLAG_DISCOVERED = 1 << 2;
  public static final int FLAG_CLOSED = 1 << 3;

  /** include/net/tcp_states.h */
  public static final int TCP_ESTABLISHED = 1;

  public static final int TCP_SYN_SENT = 2;
  public static final int TCP_SYN_RECV = 3;
  public static final int TCP_CLOSE = 7;

  private static final AtomicLong COOKIES = new AtomicLong(1_000);

  private long cookie;
  private long netns = 4026531840L;
  private long cgroupId;
  private int pid;
  private String comm = "";
  private SocketRole role = SocketRole.UNKNOWN;
  private int state;
  private int flags;
  private InetAddress localAddress = InetAddress.ofLiteral("10.0.0.1");
  private int localPort = 40000;
  private InetAddress remoteAddress = InetAddress.ofLiteral("10.0.0.2");
  private int remotePort = 80;
  private long bytesSent;
  private long bytesReceived;
  private int smoothedRttMicros;
  private long retransmits;
  private int error;
  private int softError;

  private Sockets() {
    this.cookie = COOKIES.incrementAndGet();
  }

  private Sockets(Sockets other) {
    this.cookie = other.cookie;
    this.netns = other.netns;
    this.cgroupId = other.cgroupId;
    this.pid = other.pid;
    this.comm = other.comm;
    this.role = other.role;
    this.state = other.state;
    this.flags = other.flags;
    this.localAddress = other.localAddress;
    this.localPort = other.localPort;
    this.remoteAddress = other.remoteAddress;
    this.remotePort = other.remotePort;
    this.bytesSent = other.bytesSent;
    this.bytesReceived = other.bytesReceived;
    this.smoothedRttMicros = other.smoothedRttMicros;
    this.retransmits = other.retransmits;
    this.error = other.error;
    this.softError = other.softError;
  }

  /** A socket of unknown role between 10.0.0.1:40000 and 10.0.0.2:80, with a fresh cookie. */
  public static Sockets socket() {
    return new Sockets();
  }

  /** A socket that dialled out from local to remote; the kernel saw it connect. */
  public static Sockets client(String local, int localPort, String remote, int remotePort) {
    return socket()
        .role(SocketRole.CLIENT)
        .state(TCP_SYN_SENT)
        .local(local, localPort)
        .remote(remote, remotePort);
  }

  /** A socket accepted on local's port from remote; the kernel saw it arrive. */
  public static Sockets server(String local, int localPort, String remote, int remotePort) {
    return socket()
        .role(SocketRole.SERVER)
        .state(TCP_SYN_RECV)
        .local(local, localPort)
        .remote(remote, remotePort);
  }

  /** A socket whose role the kernel could not tell. */
  public static Sockets unknownRole(String local, int localPort, String remote, int remotePort) {
    return socket().role(SocketRole.UNKNOWN).local(local, localPort).remote(remote, remotePort);
  }

  public Sockets cookie(long cookie) {
    Sockets copy = new Sockets(this);
    copy.cookie = cookie;
    return copy;
  }

  public Sockets netns(long netns) {
    Sockets copy = new Sockets(this);
    copy.netns = netns;
    return copy;
  }

  public Sockets cgroupId(long cgroupId) {
    Sockets copy = new Sockets(this);
    copy.cgroupId = cgroupId;
    return copy;
  }

  /** The connecting process (its tgid). */
  public Sockets pid(int pid) {
    Sockets copy = new Sockets(this);
    copy.pid = pid;
    return copy;
  }

  public Sockets comm(String comm) {
    Sockets copy = new Sockets(this);
    copy.comm = comm;
    return copy;
  }

  public Sockets role(SocketRole role) {
    Sockets copy = new Sockets(this);
    copy.role = role;
    return copy;
  }

  public Sockets state(int state) {
    Sockets copy = new Sockets(this);
    copy.state = state;
    return copy;
  }

  public Sockets local(String address, int port) {
    Sockets copy = new Sockets(this);
    copy.localAddress = InetAddress.ofLiteral(address);
    copy.localPort = port;
    return copy;
  }

  public Sockets localPort(int port) {
    Sockets copy = new Sockets(this);
    copy.localPort = port;
    return copy;
  }

  public Sockets remote(String address, int port) {
    Sockets copy = new Sockets(this);
    copy.remoteAddress = InetAddress.ofLiteral(address);
    copy.remotePort = port;
    return copy;
  }

  /** Payload bytes the peer acknowledged so far. */
  public Sockets sent(long bytes) {
    Sockets copy = new Sockets(this);
    copy.bytesSent = bytes;
    return copy;
  }

  /** Payload bytes received from the peer so far. */
  public Sockets received(long bytes) {
    Sockets copy = new Sockets(this);
    copy.bytesReceived = bytes;
    return copy;
  }

  public Sockets retransmits(long retransmits) {
    Sockets copy = new Sockets(this);
    copy.retransmits = retransmits;
    return copy;
  }

  /** The kernel's smoothed RTT, in microseconds. */
  public Sockets srtt(int micros) {
    Sockets copy = new Sockets(this);
    copy.smoothedRttMicros = micros;
    return copy;
  }

  /** sk_err at close. */
  public Sockets error(int errno) {
    Sockets copy = new Sockets(this);
    copy.error = errno;
    return copy;
  }

  /** sk_err_soft: the last ICMP error. */
  public Sockets softError(int errno) {
    Sockets copy = new Sockets(this);
    copy.softError = errno;
    return copy;
  }

  /** The probes saw the socket being born. */
  public Sockets bornSeen() {
    return withFlag(FLAG_BORN_SEEN);
  }

  /** The connection reached ESTABLISHED (state becomes ESTABLISHED unless already closed). */
  public Sockets established() {
    Sockets copy = withFlag(FLAG_ESTABLISHED);
    if (copy.state != TCP_CLOSE) {
      copy.state = TCP_ESTABLISHED;
    }
    return copy;
  }

  /** Found by the namespace iterator: older than the agent. */
  public Sockets discovered() {
    return withFlag(FLAG_DISCOVERED);
  }

  /** The final record: the socket went to CLOSE. */
  public Sockets closed() {
    Sockets copy = withFlag(FLAG_CLOSED);
    copy.state = TCP_CLOSE;
    return copy;
  }

  public Sockets flags(int flags) {
    Sockets copy = new Sockets(this);
    copy.flags = flags;
    return copy;
  }

  public long cookie() {
    return cookie;
  }

  public SocketSnapshot build() {
    return new SocketSnapshot(
        cookie,
        netns,
        cgroupId,
        pid,
        comm,
        role,
        state,
        flags,
        localAddress,
        localPort,
        remoteAddress,
        remotePort,
        bytesSent,
        bytesReceived,
        smoothedRttMicros,
        retransmits,
        error,
        softError);
  }

  private Sockets withFlag(int flag) {
    Sockets copy = new Sockets(this);
    copy.flags |= flag;
    return copy;
  }
}
