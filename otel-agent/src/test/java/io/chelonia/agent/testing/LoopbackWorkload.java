package io.chelonia.agent.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace of its own holding one TCP connection over its loopback, both ends in one
 * small Python process (loopback_pair.py) that moves exact byte counts on demand: a pod's worth of
 * sockets without a JVM, so a test can fill dozens of namespaces. Closing ends the process and
 * deletes the namespace.
 */
public final class LoopbackWorkload implements AutoCloseable {
  private static final int TIMEOUT_SECONDS = 30;

  private final String namespace;
  private final int port;
  private final Process process;
  private final Writer stdin;
  private final BufferedReader stdout;
  private boolean closed;

  private LoopbackWorkload(String namespace, int port, Process process) {
    this.namespace = namespace;
    this.port = port;
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.stdout =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
  }

  /**
   * Creates namespace {@code chl-<pid>-<name>} and in it a connection to 127.0.0.1:{@code port}
   * that has carried exactly the given bytes when this returns.
   */
  public static LoopbackWorkload start(String name, int port, long clientSends, long serverSends) {
    String namespace = "chl-" + ProcessHandle.current().pid() + "-" + name;
    NetnsHosts.deleteNamespaceIfPresent(namespace);
    NetnsHosts.addNamespace(namespace);
    Process process;
    try {
      NetnsHosts.runIn(namespace, "ip", "link", "set", "lo", "up");
      process =
          NetnsHosts.inNamespace(
                  namespace,
                  List.of(
                      "python3",
                      script().toString(),
                      String.valueOf(port),
                      String.valueOf(clientSends),
                      String.valueOf(serverSends)))
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
    } catch (IOException | RuntimeException e) {
      NetnsHosts.deleteNamespaceIfPresent(namespace);
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
    LoopbackWorkload workload = new LoopbackWorkload(namespace, port, process);
    try {
      workload.expect("READY");
      return workload;
    } catch (RuntimeException e) {
      workload.close();
      throw e;
    }
  }

  private static Path script() {
    try {
      return Path.of(LoopbackWorkload.class.getResource("loopback_pair.py").toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("loopback_pair.py is not on the test class path", e);
    }
  }

  public int port() {
    return port;
  }

  /** The client sends {@code clientSends} more bytes and the server {@code serverSends}. */
  public void send(long clientSends, long serverSends) {
    command("SEND " + clientSends + " " + serverSends);
    expect("SENT");
  }

  /** Both ends close (FIN, client first) and the process exits. */
  public void hangUp() {
    command("CLOSE");
    try {
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException("workload in " + namespace + " did not exit cleanly");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void command(String line) {
    try {
      stdin.write(line + "\n");
      stdin.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("workload in " + namespace + " is gone", e);
    }
  }

  private void expect(String wanted) {
    try {
      String line = stdout.readLine();
      if (!wanted.equals(line)) {
        throw new IllegalStateException(
            "workload in " + namespace + " said " + line + ", not " + wanted);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    process.destroyForcibly();
    try {
      process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    NetnsHosts.deleteNamespaceIfPresent(namespace);
  }
}
