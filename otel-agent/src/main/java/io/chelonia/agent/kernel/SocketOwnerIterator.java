package io.chelonia.agent.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * The owners iterator (owners.bpf.c), loaded and attached: each {@link #list()} is one pass over
 * every process's open files, which lists the TCP sockets processes hold with their owners. What
 * /proc tells through a readlink per descriptor and a text table per namespace, in one read of
 * fixed-size records.
 *
 * <p>Thread-safe: a pass at a time.
 */
public final class SocketOwnerIterator implements AutoCloseable {
  /** Records read per read(2): large enough to keep syscalls rare. */
  private static final int RECORDS_PER_READ = 1024;

  private final LibC libc;
  private final BpfObject object;
  private final BpfLink iterator;
  private final Arena buffers;
  private final MemorySegment readBuffer;
  private boolean closed;

  private SocketOwnerIterator(BpfObject object) {
    this.libc = LibC.get();
    this.object = object;
    this.iterator = object.attachIterator(KernelConstants.OWNERS_PROGRAM);
    this.buffers = Arena.ofShared();
    this.readBuffer = buffers.allocate(SocketOwnerLayout.size() * RECORDS_PER_READ, 8);
  }

  /**
   * Checks the kernel, loads the program and attaches it.
   *
   * @throws KernelException with a one-line reason when the kernel, libbpf or the privileges are
   *     not what the program needs, or when this process is not in the host's PID namespace (the
   *     program reports the host's process ids, which /proc here would not know)
   */
  public static SocketOwnerIterator open() {
    if (!KernelSockets.inInitialPidNamespace()) {
      throw new KernelException(
          "not in the host's PID namespace: the owners iterator's process ids would not match"
              + " this /proc");
    }
    new KernelRequirements().verify();
    BpfObject object = BpfObject.open("chelonia_owners", objectBytes());
    try {
      object.load();
      return new SocketOwnerIterator(object);
    } catch (RuntimeException | Error e) {
      object.close();
      throw e;
    }
  }

  private static byte[] objectBytes() {
    try (InputStream in =
        SocketOwnerIterator.class.getResourceAsStream(KernelConstants.OWNERS_OBJECT_RESOURCE)) {
      if (in == null) {
        throw new KernelException(
            "the agent jar lacks its kernel object " + KernelConstants.OWNERS_OBJECT_RESOURCE);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Every TCP socket some process holds now, once per process that holds it (a socket shared by
   * forked processes comes once for each), in the order of the processes' ids.
   */
  public List<OwnedSocket> list() {
    return list(netns -> true);
  }

  /**
   * {@link #list()}, only the sockets of the network namespaces wanted. The pass still visits every
   * file, but the others' records are skipped unread: a miss in one namespace does not pay for
   * decoding the thousands of sockets another holds.
   */
  public synchronized List<OwnedSocket> list(LongPredicate wanted) {
    if (closed) {
      throw new IllegalStateException("socket owner iterator closed");
    }
    long recordSize = SocketOwnerLayout.size();
    List<OwnedSocket> owned = new ArrayList<>();
    try (Fd run = iterator.openIterator()) {
      long filled = 0;
      while (true) {
        long n = libc.read(run, readBuffer.asSlice(filled), "socket owner iterator");
        if (n == 0) {
          if (filled != 0) {
            throw new KernelException(
                "socket owner iterator ended inside a record (" + filled + " bytes)");
          }
          return owned;
        }
        filled += n;
        long whole = filled - filled % recordSize;
        for (long offset = 0; offset < whole; offset += recordSize) {
          if (wanted.test(SocketOwnerLayout.netns(readBuffer, offset))) {
            owned.add(SocketOwnerLayout.decode(readBuffer, offset));
          }
        }
        long rest = filled - whole;
        if (rest > 0) {
          MemorySegment.copy(readBuffer, whole, readBuffer, 0, rest);
        }
        filled = rest;
      }
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    // The object detaches its link; the buffer after it, even when that fails.
    try {
      object.close();
    } finally {
      buffers.close();
    }
  }
}
