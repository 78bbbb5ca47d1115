package io.chelonia.agent.testing;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A running {@link TrafficPeer}: its own JVM, optionally inside a network namespace. */
public final class TrafficPeerProcess implements AutoCloseable {
  /** Queued by the stdout reader when stdout ends; compared by identity. */
  private static final String END_OF_OUTPUT = new String("end of output");

  private static final Duration DESTROY_TIMEOUT = Duration.ofSeconds(10);

  /** How long stderr may take to reach its end once the process has exited. */
  private static final Duration STDERR_DRAIN_TIMEOUT = Duration.ofSeconds(5);

  private final Process process;
  private final Writer stdin;
  private final BlockingQueue<String> stdoutLines = new LinkedBlockingQueue<>();

  /** Written by the drain thread, read by callers: its methods are synchronized. */
  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

  private final Thread stderrDrain;

  /** Why stdout ended early, if reading it failed rather than reaching its end. */
  private volatile IOException stdoutFailure;

  private TrafficPeerProcess(Process process) {
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    // Both outputs are read all the time, so the peer never blocks on a full pipe.
    Thread.ofPlatform()
        .daemon()
        .name("peer-" + process.pid() + "-stdout")
        .start(this::readStdoutLines);
    this.stderrDrain =
        Thread.ofPlatform()
            .daemon()
            .name("peer-" + process.pid() + "-stderr")
            .start(this::drainStderr);
  }

  /**
   * Starts {@code TrafficPeer args...} with this JVM's java and class path, inside {@code
   * namespace} if one is given.
   */
  public static TrafficPeerProcess start(Optional<String> namespace, String... args) {
    return launch(javaLauncher(), namespace, args);
  }

  /**
   * The same, as a process whose command name ({@code comm}) is {@code processName}: the kernel
   * names a process after the file it executed, so the java launcher is run through a symbolic link
   * of that name (the launcher finds its JDK through /proc/self/exe, which resolves it).
   */
  public static TrafficPeerProcess startAs(
      String processName, Optional<String> namespace, String... args) {
    try {
      Path directory = Files.createTempDirectory("chelonia-peer");
      Path launcher = Files.createSymbolicLink(directory.resolve(processName), javaLauncher());
      launcher.toFile().deleteOnExit();
      directory.toFile().deleteOnExit();
      return launch(launcher, namespace, args);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a launcher named " + processName, e);
    }
  }

  private static Path javaLauncher() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }

  private static TrafficPeerProcess launch(Path java, Optional<String> namespace, String... args) {
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(TrafficPeer.class.getName());
    command.addAll(List.of(args));
    ProcessBuilder builder =
        namespace
            .map(ns -> NetnsHosts.inNamespace(ns, command))
            .orElseGet(() -> new ProcessBuilder(command));
    try {
      return new TrafficPeerProcess(builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + String.join(" ", builder.command()), e);
    }
  }

  /** Reads stdout lines until one starts with {@code prefix}, and returns that line. */
  public String awaitLine(String prefix, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        String line = stdoutLines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (line == null) {
          throw failure("no line starting with \"" + prefix + "\" within " + timeout);
        }
        if (line == END_OF_OUTPUT) {
          // Put back, so that later calls fail fast as well.
          stdoutLines.add(END_OF_OUTPUT);
          throw failure("output ended before a line starting with \"" + prefix + "\"");
        }
        if (line.startsWith(prefix)) {
          return line;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for \"" + prefix + "\"", e);
    }
  }

  /** Writes {@code line} to the peer's stdin. */
  public void send(String line) {
    try {
      stdin.write(line + "\n");
      stdin.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot send \"" + line + "\" to peer " + pid(), e);
    }
  }

  /** Waits for the peer to exit and returns its exit code. */
  public int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw failure("did not exit within " + timeout);
      }
      awaitStderrEnd();
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for peer " + pid(), e);
    }
  }

  public long pid() {
    return process.pid();
  }

  /** What the peer wrote to stderr so far: its error line, if it failed. */
  public String stderr() {
    return stderr.toString(StandardCharsets.UTF_8);
  }

  /** Kills the peer if it still runs. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(DESTROY_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private IllegalStateException failure(String what) {
    boolean alive = process.isAlive();
    if (!alive) {
      awaitStderrEnd();
    }
    String state = alive ? "running" : "exit code " + process.exitValue();
    if (stdoutFailure != null) {
      state += ", reading stdout failed: " + stdoutFailure;
    }
    return new IllegalStateException(
        "TrafficPeer " + pid() + " (" + state + ") " + what + "; stderr: " + stderr().strip());
  }

  /** Once the peer has exited, lets the drain catch up so that stderr() holds all of it. */
  private void awaitStderrEnd() {
    try {
      stderrDrain.join(STDERR_DRAIN_TIMEOUT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void readStdoutLines() {
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = reader.readLine()) != null; ) {
        stdoutLines.add(line);
      }
    } catch (IOException e) {
      stdoutFailure = e;
    } finally {
      stdoutLines.add(END_OF_OUTPUT);
    }
  }

  private void drainStderr() {
    try (InputStream in = process.getErrorStream()) {
      byte[] buffer = new byte[4096];
      for (int n; (n = in.read(buffer)) != -1; ) {
        stderr.write(buffer, 0, n);
      }
    } catch (IOException e) {
      // The process is gone; what was read so far is kept.
    }
  }
}
