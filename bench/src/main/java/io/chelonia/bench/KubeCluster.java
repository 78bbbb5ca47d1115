package io.chelonia.bench;

import io.chelonia.agent.testing.ChartServiceAccount;
import io.chelonia.agent.testing.ClusterObjects;
import io.chelonia.agent.testing.KubernetesApiServer;
import io.chelonia.agent.testing.RealisticPods;
import java.nio.file.Path;

/**
 * A real API server (etcd and kube-apiserver, as the tests run them) holding PODS realistic pods of
 * PODS / 10 ReplicaSets, and the chart's ServiceAccount with its rights, for SECONDS: what an agent
 * with Kubernetes naming lists and watches on a large cluster. One more pod, of Deployment {@code
 * bench-server}, has the address SERVER_ADDRESS (the benchmark's server): an agent that names that
 * end has the pods listed. Prints "ready KUBECONFIG" once the pods are in, KUBECONFIG
 * authenticating as the chart's account; then holds, and stops both servers (also when killed).
 * Runs from inside the repository (it finds the binaries and the chart there).
 *
 * <p>Usage: {@code KubeCluster PODS SECONDS FIRST_PORT SERVER_ADDRESS}: the API server on loopback
 * port FIRST_PORT, etcd on the next two.
 */
public final class KubeCluster {
  private KubeCluster() {}

  public static void main(String[] args) throws Exception {
    int pods = Integer.parseInt(args[0]);
    long seconds = Long.parseLong(args[1]);
    int firstPort = Integer.parseInt(args[2]);
    String serverAddress = args[3];
    KubernetesApiServer api = KubernetesApiServer.startOnPorts(firstPort);
    Runtime.getRuntime().addShutdownHook(new Thread(api::close, "kube-cluster-stop"));
    long started = System.nanoTime();
    RealisticPods.load(api, pods);
    new ClusterObjects(api.admin())
        .deploymentPod(RealisticPods.NAMESPACE, "bench-server", serverAddress);
    System.out.printf("loaded %,d pods in %.0f s%n", pods, (System.nanoTime() - started) / 1e9);
    Path kubeconfig = ChartServiceAccount.create(api).kubeconfig(api);
    Deadline.announce("ready " + kubeconfig);
    Thread.sleep(seconds * 1_000);
    System.exit(0);
  }
}
