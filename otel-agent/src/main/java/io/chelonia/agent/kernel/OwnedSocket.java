package io.chelonia.agent.kernel;

import java.net.InetAddress;

/**
 * A TCP socket some process holds, as the kernel listed it: who owns which connection or listening
 * socket, in which network namespace.
 *
 * @param netns network namespace inode number
 * @param pid a process holding the socket (tgid); forked processes share one socket
 * @param listening true for a listening socket, whose remote end is the unspecified address
 * @param local the local address (the unspecified address for a listener on every address)
 * @param localPort the local port
 * @param remote the peer's address
 * @param remotePort the peer's port
 */
public record OwnedSocket(
    long netns,
    int pid,
    boolean listening,
    InetAddress local,
    int localPort,
    InetAddress remote,
    int remotePort) {}
