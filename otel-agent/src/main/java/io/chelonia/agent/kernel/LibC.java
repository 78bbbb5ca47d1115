package io.chelonia.agent.kernel;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.chelonia.agent.kernel.NativeCalls.Outcome;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * The libc calls the kernel side needs, bound through the FFM API: typed methods that throw {@link
 * KernelException} with errno. Every call captures errno right after it returns.
 */
final class LibC {
  static final int O_RDONLY = 0;
  static final int O_CLOEXEC = 0x80000;
  static final int SOCK_CLOEXEC = 0x80000;
  static final int MSG_DONTWAIT = 0x40;

  private static final LibC INSTANCE = new LibC();

  private final MethodHandle read;
  private final MethodHandle open;
  private final MethodHandle close;
  private final MethodHandle setns;
  private final MethodHandle vsnprintf;
  private final MethodHandle socket;
  private final MethodHandle send;
  private final MethodHandle recv;

  private LibC() {
    NativeCalls.Library libc =
        new NativeCalls.Library(NativeCalls.LINKER.defaultLookup(), name -> "libc lacks " + name);
    read = libc.functionWithErrno("read", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    open = libc.functionWithErrno("open", JAVA_INT, ADDRESS, JAVA_INT);
    close = libc.functionWithErrno("close", JAVA_INT, JAVA_INT);
    setns = libc.functionWithErrno("setns", JAVA_INT, JAVA_INT, JAVA_INT);
    vsnprintf = libc.function("vsnprintf", JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS);
    socket = libc.functionWithErrno("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    send = libc.functionWithErrno("send", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    recv = libc.functionWithErrno("recv", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
  }

  static LibC get() {
    return INSTANCE;
  }

  /** open(2), read-only and close-on-exec. */
  Fd openReadOnly(Path file) {
    try (Arena call = Arena.ofConfined()) {
      MemorySegment path = call.allocateFrom(file.toString());
      Outcome<Integer> opened =
          NativeCalls.callWithErrno(
              state -> (int) open.invokeExact(state, path, O_RDONLY | O_CLOEXEC));
      if (opened.value() < 0) {
        throw KernelException.cannot("open " + file, opened.errno());
      }
      return Fd.owned(opened.value());
    }
  }

  /**
   * read(2) into the buffer, up to its size; 0 at the end of the descriptor. Interrupted reads are
   * retried.
   */
  long read(Fd fd, MemorySegment buffer, String what) {
    int number = fd.number();
    while (true) {
      Outcome<Long> outcome =
          NativeCalls.callWithErrno(
              state -> (long) read.invokeExact(state, number, buffer, buffer.byteSize()));
      long n = outcome.value();
      if (n >= 0) {
        return n;
      }
      int errno = outcome.errno();
      if (errno != Errno.EINTR && errno != Errno.EAGAIN) {
        throw KernelException.cannot("read " + what, errno);
      }
    }
  }

  /** setns(2): moves the calling thread into the namespace of the descriptor. */
  void setns(Fd namespace, int type, String what) {
    int number = namespace.number();
    Outcome<Integer> entered =
        NativeCalls.callWithErrno(state -> (int) setns.invokeExact(state, number, type));
    if (entered.value() < 0) {
      throw KernelException.cannot(what, entered.errno());
    }
  }

  /** socket(2), close-on-exec, in the calling thread's network namespace. */
  Fd socket(int domain, int type, int protocol, String what) {
    Outcome<Integer> opened =
        NativeCalls.callWithErrno(
            state -> (int) socket.invokeExact(state, domain, type | SOCK_CLOEXEC, protocol));
    if (opened.value() < 0) {
      throw KernelException.cannot("open " + what, opened.errno());
    }
    return Fd.owned(opened.value());
  }

  /** send(2) of the whole message; a datagram socket sends it whole or not at all. */
  void send(Fd fd, MemorySegment message, String what) {
    int number = fd.number();
    while (true) {
      Outcome<Long> sent =
          NativeCalls.callWithErrno(
              state -> (long) send.invokeExact(state, number, message, message.byteSize(), 0));
      if (sent.value() >= 0) {
        return;
      }
      if (sent.errno() != Errno.EINTR) {
        throw KernelException.cannot("send " + what, sent.errno());
      }
    }
  }

  /**
   * recv(2) without waiting, into the buffer up to its size: the byte count, or -1 when nothing was
   * queued (EAGAIN).
   */
  long receiveNow(Fd fd, MemorySegment buffer, String what) {
    int number = fd.number();
    while (true) {
      Outcome<Long> received =
          NativeCalls.callWithErrno(
              state ->
                  (long) recv.invokeExact(state, number, buffer, buffer.byteSize(), MSG_DONTWAIT));
      if (received.value() >= 0) {
        return received.value();
      }
      if (received.errno() == Errno.EAGAIN) {
        return -1;
      }
      if (received.errno() != Errno.EINTR) {
        throw KernelException.cannot("receive " + what, received.errno());
      }
    }
  }

  /** close(2), for {@link Fd} only. Linux frees the number even when close reports EINTR. */
  void close(int number) {
    Outcome<Integer> closed =
        NativeCalls.callWithErrno(state -> (int) close.invokeExact(state, number));
    if (closed.value() < 0 && closed.errno() != Errno.EINTR) {
      throw KernelException.cannot("close file descriptor " + number, closed.errno());
    }
  }

  /** vsnprintf(3) of a C format and va_list into the buffer; negative on an encoding error. */
  int format(MemorySegment buffer, MemorySegment format, MemorySegment arguments) {
    return NativeCalls.callInt(
        () -> (int) vsnprintf.invokeExact(buffer, buffer.byteSize(), format, arguments));
  }
}
