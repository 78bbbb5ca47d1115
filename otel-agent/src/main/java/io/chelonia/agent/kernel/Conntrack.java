package io.chelonia.agent.kernel;

import io.chelonia.agent.lifecycle.Closing;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The kernel's connection tracking, asked over a NETLINK_NETFILTER socket (ctnetlink) where a
 * connection really went: the entry whose original direction is the client's socket holds, as its
 * reply direction, the address that answered after NAT (kube-proxy's DNAT to a Service backend).
 * Each network namespace has its own table: the agent's own is asked through a socket kept open,
 * another namespace through a socket opened inside it for the one lookup (a kept socket would keep
 * a deleted pod's namespace alive).
 *
 * <p>Not thread-safe: one platform thread asks (entering a namespace moves only that thread).
 */
public final class Conntrack implements AutoCloseable {
  private final LibC libc;
  private final NetworkNamespaces namespaces;
  private final Fd own;
  private final Arena buffers;
  private final MemorySegment request;
  private final MemorySegment answer;
  private int sequence;
  private boolean closed;

  private Conntrack(LibC libc, NetworkNamespaces namespaces, Fd own) {
    this.libc = libc;
    this.namespaces = namespaces;
    this.own = own;
    this.buffers = Arena.ofConfined();
    this.request = buffers.allocate(ConntrackMessages.REQUEST_BUFFER, 4);
    this.answer = buffers.allocate(ConntrackMessages.RECEIVE_BUFFER, 4);
  }

  /**
   * Opens the agent's own namespace's ctnetlink socket.
   *
   * @throws KernelException when netlink or the conntrack subsystem is not there
   */
  public static Conntrack open() {
    LibC libc = LibC.get();
    NetworkNamespaces namespaces = new NetworkNamespaces(libc);
    try {
      return new Conntrack(libc, namespaces, openSocket(libc));
    } catch (RuntimeException e) {
      namespaces.close();
      throw e;
    }
  }

  /**
   * The reply direction of the agent's own namespace's entry for {@code original}; empty when there
   * is none (no tracking of it, or it expired).
   *
   * @throws KernelException when the kernel refuses the question (EPERM without CAP_NET_ADMIN)
   */
  public Optional<ConnectionTuple> replyOf(ConnectionTuple original) {
    return ask(own, original);
  }

  /**
   * The same, in the network namespace of the nsfs file {@code namespace} (/proc/PID/ns/net or
   * /run/netns/NAME).
   */
  public Optional<ConnectionTuple> replyOf(ConnectionTuple original, Path namespace) {
    try (Fd inside = namespaces.runIn(namespace, () -> openSocket(libc))) {
      return ask(inside, original);
    }
  }

  private static Fd openSocket(LibC libc) {
    return libc.socket(
        ConntrackMessages.AF_NETLINK,
        ConntrackMessages.SOCK_RAW,
        ConntrackMessages.NETLINK_NETFILTER,
        "a NETLINK_NETFILTER socket (conntrack)");
  }

  private Optional<ConnectionTuple> ask(Fd socket, ConnectionTuple original) {
    int length = ConntrackMessages.writeGet(request, original, ++sequence);
    libc.send(socket, request.asSlice(0, length), "a conntrack lookup");
    // The kernel answers a GET while handling the send: the answer is queued when send returns.
    long received = libc.receiveNow(socket, answer, "a conntrack answer");
    if (received < 0) {
      throw new KernelException("no answer to a conntrack lookup of " + original);
    }
    return switch (ConntrackMessages.read(answer, received)) {
      case ConntrackMessages.Found found -> Optional.of(found.reply());
      case ConntrackMessages.Missing missing -> Optional.empty();
      case ConntrackMessages.Failed failed ->
          throw KernelException.cannot("look up " + original + " in conntrack", failed.errno());
    };
  }

  /** Closes the socket, the buffers and the agent's namespace descriptor; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    Closing.closeAll(own::close, buffers::close, namespaces::close);
  }
}
