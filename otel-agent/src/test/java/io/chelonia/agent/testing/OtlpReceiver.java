package io.chelonia.agent.testing;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * An OTLP/gRPC metrics receiver in the test's JVM, on 127.0.0.1: what a Collector's OTLP receiver
 * is to the agent, keeping every {@link ExportMetricsServiceRequest} it is sent. It can be stopped
 * (an outage) and started again on the same port, as a new server.
 *
 * <p>The collector's {@code MetricsService} is declared here by hand: the proto artifact holds the
 * messages only, not the gRPC stubs.
 */
public final class OtlpReceiver implements AutoCloseable {
  private static final String SERVICE = "opentelemetry.proto.collector.metrics.v1.MetricsService";
  private static final MethodDescriptor<ExportMetricsServiceRequest, ExportMetricsServiceResponse>
      EXPORT =
          MethodDescriptor.<ExportMetricsServiceRequest, ExportMetricsServiceResponse>newBuilder()
              .setType(MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Export"))
              .setRequestMarshaller(
                  ProtoUtils.marshaller(ExportMetricsServiceRequest.getDefaultInstance()))
              .setResponseMarshaller(
                  ProtoUtils.marshaller(ExportMetricsServiceResponse.getDefaultInstance()))
              .build();
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

  /** A port just released can take a moment to be bindable again: retried for this long. */
  private static final Duration BIND_TIMEOUT = Duration.ofSeconds(10);

  private static final long POLL_MILLIS = 20;

  private final List<ExportMetricsServiceRequest> requests = new CopyOnWriteArrayList<>();
  private final Object arrivals = new Object();
  private volatile int port;
  private Server server;

  /** A receiver that takes a free port at its first start. */
  public OtlpReceiver() {
    this(0);
  }

  /** A receiver on {@code port}, or on a free one chosen at the first start if 0. */
  public OtlpReceiver(int port) {
    this.port = port;
  }

  /** Starts a new server on the port (the same one as before, after a {@link #stop}). */
  public synchronized OtlpReceiver start() {
    if (server != null) {
      throw new IllegalStateException("OTLP receiver already running on port " + port);
    }
    long deadline = System.nanoTime() + BIND_TIMEOUT.toNanos();
    while (true) {
      Server candidate =
          NettyServerBuilder.forAddress(new InetSocketAddress(LOOPBACK, port))
              .withOption(ChannelOption.SO_REUSEADDR, true)
              .addService(service())
              .build();
      try {
        candidate.start();
        server = candidate;
        port = candidate.getPort();
        return this;
      } catch (IOException e) {
        candidate.shutdownNow();
        if (port == 0 || System.nanoTime() > deadline) {
          throw new UncheckedIOException("cannot start the OTLP receiver on 127.0.0.1:" + port, e);
        }
        Await.sleep(Duration.ofMillis(100));
      }
    }
  }

  private ServerServiceDefinition service() {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(
            EXPORT,
            ServerCalls.asyncUnaryCall(
                (request, response) -> {
                  requests.add(request);
                  synchronized (arrivals) {
                    arrivals.notifyAll();
                  }
                  response.onNext(ExportMetricsServiceResponse.getDefaultInstance());
                  response.onCompleted();
                }))
        .build();
  }

  /** Stops the server at once, dropping its connections, and waits until it has stopped. */
  public synchronized void stop() {
    if (server == null) {
      return;
    }
    Server stopping = server;
    server = null;
    stopping.shutdownNow();
    try {
      if (!stopping.awaitTermination(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(
            "OTLP receiver on port " + port + " did not stop within " + STOP_TIMEOUT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping the OTLP receiver", e);
    }
  }

  public synchronized boolean isRunning() {
    return server != null;
  }

  /** The port, chosen at the first start when none was given. */
  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:<port>}: the value of {@code otel.exporter.otlp.endpoint}. */
  public String endpoint() {
    return "http://" + LOOPBACK.getHostAddress() + ":" + port;
  }

  /** Every request received, across restarts, oldest first. */
  public List<ExportMetricsServiceRequest> requests() {
    return List.copyOf(requests);
  }

  /** A request and its place in {@link #requests()}. */
  public record Received(int index, ExportMetricsServiceRequest request) {}

  /** Waits until the latest request received satisfies {@code condition}, and returns it. */
  public Received awaitLatest(Predicate<ExportMetricsServiceRequest> condition, Duration timeout) {
    return awaitLatestAfter(-1, condition, timeout);
  }

  /**
   * Waits until a request later than the one at {@code index} has arrived and the latest request
   * satisfies {@code condition}, and returns it; fails after {@code timeout}.
   */
  public Received awaitLatestAfter(
      int index, Predicate<ExportMetricsServiceRequest> condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int checked = -1;
    while (true) {
      int latest = requests.size() - 1;
      if (latest > index && latest != checked) {
        ExportMetricsServiceRequest request = requests.get(latest);
        if (condition.test(request)) {
          return new Received(latest, request);
        }
        checked = latest;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(
            "no OTLP request after #"
                + index
                + " satisfied the condition within "
                + timeout
                + "; "
                + requests.size()
                + " requests received"
                + (requests.isEmpty() ? "" : ", the latest:\n" + requests.getLast()));
      }
      synchronized (arrivals) {
        if (requests.size() - 1 == checked || requests.size() - 1 <= index) {
          try {
            arrivals.wait(
                Math.max(1, Math.min(POLL_MILLIS * 10, TimeUnit.NANOSECONDS.toMillis(left))));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for an OTLP request", e);
          }
        }
      }
    }
  }

  @Override
  public void close() {
    stop();
  }
}
