package io.chelonia.agent.identity.local;

import java.util.Optional;

/**
 * A process on this machine, as /proc tells it.
 *
 * @param pid the process id (tgid)
 * @param comm its command name
 * @param containerId the container it runs in (Docker, containerd, CRI-O), when it does
 */
public record LocalProcess(int pid, String comm, Optional<String> containerId) {}
