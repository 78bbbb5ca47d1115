package io.chelonia.agent.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Kubernetes API server for the tests: etcd and kube-apiserver, as
 * deploy/build-kubernetes.sh built them, on free loopback ports with their own data directory,
 * credentials made with openssl (a CA, a serving certificate, the ServiceAccount token signing
 * key), RBAC authorization, and a dual-stack Service range in 198.18.0.0/15 and 2001:db8::/32. No
 * controller-manager, scheduler or kubelet: tests create objects through the API, owner references
 * and pod status included. {@link #close()} stops the two processes it started and removes its
 * directory.
 */
public final class KubernetesApiServer implements AutoCloseable {
  /** Where Services get their cluster IPs: IPv4 first, so a dual-stack Service has both. */
  public static final String SERVICE_RANGES = "198.19.200.0/24,2001:db8:5e::/112";

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
  private static final Pattern REVISION = Pattern.compile("\"revision\":\"?(\\d+)");

  private final KubernetesBinaries binaries;
  private final Path directory;
  private final boolean watchCache;
  private final ClusterCredentials credentials;
  private final int etcdPort;
  private final int etcdPeerPort;
  private final int port;
  private final HttpClient http = HttpClient.newHttpClient();
  private final Path adminKubeconfig;
  private Process etcd;
  private Process apiServer;
  private int apiServerStarts;
  private KubernetesClient admin;

  /** A JVM that ends without close() (a killed test run) still stops the two processes. */
  private final Thread onExit = new Thread(this::stopProcesses, "kubernetes-api-server-exit");

  private KubernetesApiServer(
      KubernetesBinaries binaries, Path directory, boolean watchCache, IntSupplier ports) {
    this.binaries = binaries;
    this.port = ports.getAsInt();
    this.etcdPort = ports.getAsInt();
    this.etcdPeerPort = ports.getAsInt();
    this.directory = directory;
    this.watchCache = watchCache;
    this.credentials = ClusterCredentials.create(directory);
    this.adminKubeconfig = directory.resolve("admin.kubeconfig");
  }

  /** Starts one with the API server's watch cache, as clusters run it. */
  public static KubernetesApiServer start() {
    return start(true);
  }

  /**
   * Starts one; without the watch cache, watches are served by etcd itself, so that compacting etcd
   * is what makes an old resource version too old (with it, the cache's own window decides).
   */
  public static KubernetesApiServer start(boolean watchCache) {
    return start(watchCache, PrometheusProcess::freeLoopbackPort);
  }

  /**
   * Starts one with the watch cache on loopback ports {@code firstPort} (the API server) and the
   * next two (etcd's client and peer ports): for a benchmark that keeps to ports of its own.
   */
  public static KubernetesApiServer startOnPorts(int firstPort) {
    int[] next = {firstPort};
    return start(true, () -> next[0]++);
  }

  private static KubernetesApiServer start(boolean watchCache, IntSupplier ports) {
    KubernetesBinaries binaries = KubernetesBinaries.cached();
    Path directory;
    try {
      directory = Files.createTempDirectory("chelonia-apiserver-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a directory for the API server", e);
    }
    KubernetesApiServer server = new KubernetesApiServer(binaries, directory, watchCache, ports);
    Runtime.getRuntime().addShutdownHook(server.onExit);
    try {
      server.startEtcd();
      server.startApiServer();
      server.writeKubeconfig(server.adminKubeconfig, server.port, server.credentials.adminToken());
      return server;
    } catch (RuntimeException e) {
      throw Cleanup.closeAfter(e, server);
    }
  }

  /** The API server's URL. */
  public String url() {
    return "https://127.0.0.1:" + port;
  }

  /** The API server's loopback port. */
  public int port() {
    return port;
  }

  /** A client with every right (group system:masters). */
  public synchronized KubernetesClient admin() {
    if (admin == null) {
      Config config =
          new ConfigBuilder(Config.empty())
              .withMasterUrl(url())
              .withCaCertFile(credentials.caCertificate().toString())
              .withOauthToken(credentials.adminToken())
              .withRequestTimeout(30_000)
              .build();
      admin = new KubernetesClientBuilder().withConfig(config).build();
    }
    return admin;
  }

  /** A kubeconfig file with every right, for kubectl. */
  public Path adminKubeconfig() {
    return adminKubeconfig;
  }

  /** Runs kubectl as the admin with {@code args}. */
  public Command.Result kubectl(String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(binaries.kubectl().toString(), "--kubeconfig", adminKubeconfig.toString()));
    command.addAll(List.of(args));
    return Command.run(Duration.ofSeconds(120), command);
  }

  /** The binaries it runs, kubectl and Helm included. */
  public KubernetesBinaries binaries() {
    return binaries;
  }

  /**
   * Makes {@code namespace} with {@code labels}, and its {@code default} ServiceAccount, which
   * admission wants before any pod (no controller-manager makes it here).
   */
  public void createNamespace(String namespace, Map<String, String> labels) {
    admin()
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(namespace)
                .withLabels(labels)
                .endMetadata()
                .build())
        .create();
    createServiceAccount(namespace, "default");
  }

  public void createServiceAccount(String namespace, String name) {
    admin()
        .serviceAccounts()
        .inNamespace(namespace)
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .endMetadata()
                .build())
        .create();
  }

  /**
   * A kubeconfig file that authenticates as the ServiceAccount {@code namespace/name} with a token
   * the API server issued (TokenRequest, valid an hour), as a pod's projected token does.
   */
  public Path serviceAccountKubeconfig(String namespace, String name) {
    return serviceAccountKubeconfig(namespace, name, port);
  }

  /**
   * {@link #serviceAccountKubeconfig(String, String)} reaching the API server through loopback port
   * {@code via} (a {@link TcpProxy} in front of it).
   */
  public Path serviceAccountKubeconfig(String namespace, String name, int via) {
    String token =
        admin()
            .serviceAccounts()
            .inNamespace(namespace)
            .withName(name)
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(3600L)
                    .endSpec()
                    .build())
            .getStatus()
            .getToken();
    Path file = directory.resolve(namespace + "-" + name + "-" + via + ".kubeconfig");
    writeKubeconfig(file, via, token);
    return file;
  }

  /** The API server stops; etcd, and so every object, stays. */
  public synchronized void stopApiServer() {
    stop(apiServer);
    apiServer = null;
  }

  /** The API server starts again on the same port, on the same etcd. */
  public synchronized void restartApiServer() {
    if (apiServer == null) {
      startApiServer();
    }
  }

  /**
   * Compacts etcd up to its latest revision, dropping the history of every object: a watch from a
   * resource version before it is answered 410 Gone. Returns the revision.
   */
  public long compactEtcd() {
    String range = etcdCall("/v3/kv/range", "{\"key\":\"AA==\",\"limit\":1}");
    Matcher revision = REVISION.matcher(range);
    if (!revision.find()) {
      throw new IllegalStateException("etcd gave no revision: " + range);
    }
    long latest = Long.parseLong(revision.group(1));
    etcdCall("/v3/kv/compaction", "{\"revision\":" + latest + ",\"physical\":true}");
    return latest;
  }

  /** The body of a GET of {@code path} as the admin, whatever the status. */
  public String get(String path) {
    try {
      return TrustedClient.trusting(credentials.caCertificate())
          .send(
              HttpRequest.newBuilder(URI.create(url() + path))
                  .header("Authorization", "Bearer " + credentials.adminToken())
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** What the API server logged, for failure messages. */
  public String apiServerLog() {
    return read(directory.resolve("kube-apiserver-" + apiServerStarts + ".log"));
  }

  @Override
  public synchronized void close() {
    if (admin != null) {
      admin.close();
    }
    stopProcesses();
    try {
      Runtime.getRuntime().removeShutdownHook(onExit);
    } catch (IllegalStateException exiting) {
      // Closed by the hook's own JVM exit: nothing to remove.
    }
    deleteTree(directory);
  }

  private synchronized void stopProcesses() {
    stop(apiServer);
    stop(etcd);
    apiServer = null;
    etcd = null;
  }

  private void startEtcd() {
    String client = "http://127.0.0.1:" + etcdPort;
    String peer = "http://127.0.0.1:" + etcdPeerPort;
    etcd =
        launch(
            "etcd.log",
            List.of(
                binaries.etcd().toString(),
                "--name=chelonia-test",
                "--data-dir=" + directory.resolve("etcd"),
                "--listen-client-urls=" + client,
                "--advertise-client-urls=" + client,
                "--listen-peer-urls=" + peer,
                "--initial-advertise-peer-urls=" + peer,
                "--initial-cluster=chelonia-test=" + peer,
                // A test cluster: losing data to a power cut does not matter, fsync's time does.
                "--unsafe-no-fsync=true",
                "--log-level=warn"));
    awaitReady(etcd, "etcd", "etcd.log", URI.create(client + "/health"), false);
  }

  private void startApiServer() {
    apiServerStarts++;
    List<String> command =
        new ArrayList<>(
            List.of(
                binaries.kubeApiserver().toString(),
                "--etcd-servers=http://127.0.0.1:" + etcdPort,
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                "--secure-port=" + port,
                "--tls-cert-file=" + credentials.servingCertificate(),
                "--tls-private-key-file=" + credentials.servingKey(),
                "--token-auth-file=" + credentials.tokenFile(),
                "--authorization-mode=RBAC",
                "--service-account-issuer=https://kubernetes.default.svc",
                "--service-account-key-file=" + credentials.serviceAccountPublicKey(),
                "--service-account-signing-key-file=" + credentials.serviceAccountKey(),
                "--service-cluster-ip-range=" + SERVICE_RANGES,
                // The advertise address is loopback: no Endpoints for the `kubernetes` Service.
                "--endpoint-reconciler-type=none",
                "--allow-privileged=true",
                "--cert-dir=" + directory.resolve("certificates"),
                "--profiling=false"));
    if (!watchCache) {
      command.add("--watch-cache=false");
    }
    String log = "kube-apiserver-" + apiServerStarts + ".log";
    apiServer = launch(log, command);
    awaitReady(apiServer, "kube-apiserver", log, URI.create(url() + "/readyz"), true);
  }

  private Process launch(String log, List<String> command) {
    try {
      return new ProcessBuilder(command)
          .directory(directory.toFile())
          .redirectErrorStream(true)
          .redirectOutput(directory.resolve(log).toFile())
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command.getFirst(), e);
    }
  }

  private void awaitReady(Process process, String name, String log, URI health, boolean tls) {
    HttpClient client = tls ? TrustedClient.trusting(credentials.caCertificate()) : http;
    Await.until(
        READY_TIMEOUT,
        Duration.ofMillis(100),
        () -> {
          if (!process.isAlive()) {
            throw new IllegalStateException(
                name + " exited with " + process.exitValue() + ":\n" + tail(log));
          }
          return answers(client, health, tls);
        },
        () -> name + " not ready within " + READY_TIMEOUT.toSeconds() + " s:\n" + tail(log));
  }

  private boolean answers(HttpClient client, URI health, boolean withToken) {
    HttpRequest.Builder request = HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(5));
    if (withToken) {
      request.header("Authorization", "Bearer " + credentials.adminToken());
    }
    try {
      return client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode()
          == 200;
    } catch (IOException notYet) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private String etcdCall(String path, String body) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + etcdPort + path))
                  .timeout(Duration.ofSeconds(30))
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException("etcd " + path + ": " + response.body());
      }
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException("etcd " + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private void writeKubeconfig(Path file, int serverPort, String token) {
    String config =
        """
        apiVersion: v1
        kind: Config
        clusters:
          - name: test
            cluster:
              server: https://127.0.0.1:%d
              certificate-authority-data: %s
        users:
          - name: test
            user:
              token: %s
        contexts:
          - name: test
            context:
              cluster: test
              user: test
        current-context: test
        """
            .formatted(serverPort, credentials.caData(), token);
    try {
      Files.writeString(file, config);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private String tail(String log) {
    List<String> lines = read(directory.resolve(log)).lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "(" + file + " unreadable: " + e + ")";
    }
  }

  private static void stop(Process process) {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private static void deleteTree(Path root) {
    try (var paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      // Left in /tmp: nothing runs from it any more.
    }
  }
}
