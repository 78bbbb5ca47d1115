package io.chelonia.agent.identity;

import java.net.InetAddress;

/**
 * What is known of one end of a socket when it is first seen, for a resolver to name it.
 *
 * @param address the end's IP address
 * @param local true for the end on this node (the socket's own side)
 * @param pid for the local end of a client socket, the connecting process; 0 when not known
 * @param comm that process's command name, empty when not known
 * @param cgroupId cgroup v2 id of the socket's owner, 0 when not known
 * @param netns network namespace inode of the socket
 * @param port the end's port
 */
public record EndpointQuery(
    InetAddress address, boolean local, int pid, String comm, long cgroupId, long netns, int port) {}
