package io.chelonia.agent.identity.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.stream.JsonReader;
import io.kubernetes.client.util.Watch;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Call;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Okio;
import org.junit.jupiter.api.Test;

/**
 * What each kind's reader keeps of an object as the API server writes it, and how a watch stream's
 * events are read, field orders and malformed events included. The readers against a real API
 * server, with every kind and event, are {@link KubernetesNamesTest}'s.
 */
class CachedObjectsTest {
  private static final MediaType JSON = MediaType.get("application/json");

  @Test
  void podKeepsItsAddressesControllerNodeAndPhase() throws IOException {
    CachedPod pod =
        read(
            CachedPod::read,
            """
            {"kind":"Pod","apiVersion":"v1",
             "metadata":{"name":"web-1","namespace":"shop","uid":"u-1","resourceVersion":"42",
               "creationTimestamp":"2026-12-01T10:00:00Z","labels":{"app":"web"},
               "ownerReferences":[
                 {"apiVersion":"v1","kind":"ConfigMap","name":"other","uid":"x"},
                 {"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7f","uid":"y",
                  "controller":true,"blockOwnerDeletion":true}]},
             "spec":{"containers":[{"name":"c","ports":[{"containerPort":8080}]}],
               "nodeName":"node-a","hostNetwork":false},
             "status":{"phase":"Running","podIP":"2001:db8::1",
               "podIPs":[{"ip":"2001:db8::1"},{"ip":"198.18.0.7"}],"conditions":[]}}
            """);

    assertThat(pod)
        .isEqualTo(
            new CachedPod(
                "shop",
                "web-1",
                "u-1",
                "42",
                1_796_119_200L,
                new Owner("ReplicaSet", "web-7f"),
                "node-a",
                "Running",
                false,
                List.of("2001:db8:0:0:0:0:0:1", "198.18.0.7"),
                List.of()));
    assertThat(ClusterIndexes.podIps(pod)).containsExactly("2001:db8:0:0:0:0:0:1", "198.18.0.7");
  }

  @Test
  void hostNetworkPodKeepsItsPortsAndIsNotIndexedByItsNodesAddress() throws IOException {
    CachedPod pod =
        read(
            CachedPod::read,
            """
            {"metadata":{"name":"agent-x","namespace":"kube-system","ownerReferences":null},
             "spec":{"hostNetwork":true,"nodeName":"node-a","containers":[
               {"name":"a","ports":[{"containerPort":9100},{"containerPort":9101}]},
               {"name":"b","ports":null},{"name":"c","ports":[{"containerPort":9100}]}]},
             "status":{"podIPs":[{"ip":"198.18.0.1"}],"phase":null}}
            """);

    assertThat(pod.owner()).isNull();
    assertThat(pod.phase()).isEmpty();
    assertThat(pod.isRunning()).isTrue();
    assertThat(ClusterIndexes.podIps(pod)).isEmpty();
    assertThat(ClusterIndexes.hostNetworkPorts(pod)).containsExactly("node-a/9100", "node-a/9101");
  }

  @Test
  void serviceKeepsClusterExternalAndLoadBalancerAddressesButNotAHeadlessOnesNone()
      throws IOException {
    CachedService service =
        read(
            CachedService::read,
            """
            {"metadata":{"name":"db","namespace":"shop","resourceVersion":"9"},
             "spec":{"clusterIP":"None","clusterIPs":["None"],"externalIPs":["198.18.9.9"],
               "ports":[{"port":5432}]},
             "status":{"loadBalancer":{"ingress":[{"ip":"2001:db8::9"},{"hostname":"lb.example"}]}}}
            """);

    assertThat(service)
        .isEqualTo(
            new CachedService("shop", "db", "9", List.of("198.18.9.9", "2001:db8:0:0:0:0:0:9")));
  }

  @Test
  void nodeKeepsItsAddressesButNotItsHostNameAndItsZoneAndRegion() throws IOException {
    CachedNode node =
        read(
            CachedNode::read,
            """
            {"metadata":{"name":"node-a","resourceVersion":"5","labels":{
               "kubernetes.io/hostname":"node-a","topology.kubernetes.io/zone":"z1",
               "topology.kubernetes.io/region":"r1"}},
             "status":{"addresses":[{"type":"InternalIP","address":"198.18.0.1"},
               {"type":"Hostname","address":"node-a"},{"type":"ExternalIP","address":"198.18.1.1"}],
               "capacity":{"cpu":"2"}}}
            """);

    assertThat(node)
        .isEqualTo(new CachedNode("node-a", "5", List.of("198.18.0.1", "198.18.1.1"), "z1", "r1"));
    assertThat(node.getMetadata().getNamespace()).isNull();
  }

  @Test
  void replicaSetKeepsOnlyItsOwner() throws IOException {
    OwnedObject replicaSet =
        read(
            ApiResource.REPLICA_SETS.reader(),
            """
            {"spec":{"replicas":3},"metadata":{"name":"web-7f","namespace":"shop",
              "ownerReferences":[{"kind":"Deployment","name":"web","controller":true}]}}
            """);

    assertThat(replicaSet.owner()).isEqualTo(new Owner("Deployment", "web"));
    assertThat(replicaSet.getKind()).isEqualTo("ReplicaSet");
    assertThat(replicaSet.getMetadata().getNamespace()).isEqualTo("shop");
    assertThat(replicaSet.getMetadata().getName()).isEqualTo("web-7f");
  }

  @Test
  void watchReadsEventsOneAfterAnotherWhateverTheOrderOfTheirFields() {
    try (WatchEvents<CachedService> events =
        watch(
            """
            {"type":"ADDED","object":{"metadata":{"name":"a","namespace":"n","resourceVersion":"1"}}}
            {"object":{"metadata":{"name":"a","namespace":"n","resourceVersion":"2"}},"type":"DELETED"}
            {"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"3"}}}
            {"type":"ERROR","object":{"kind":"Status","status":"Failure","message":"too old resource version: 1 (3)","reason":"Expired","code":410}}
            """)) {
      List<Watch.Response<CachedService>> read = new ArrayList<>();
      while (events.hasNext()) {
        read.add(events.next());
      }

      assertThat(read)
          .extracting(event -> event.type)
          .containsExactly("ADDED", "DELETED", "BOOKMARK", "ERROR");
      assertThat(read.get(1).object).isEqualTo(new CachedService("n", "a", "2", List.of()));
      assertThat(read.get(2).object.resourceVersion()).isEqualTo("3");
      assertThat(read.get(3).status.getCode()).isEqualTo(410);
      assertThat(read.get(3).status.getReason()).isEqualTo("Expired");
    }
  }

  @Test
  void watchWithoutAnEventEndsWithoutAFailure() {
    try (WatchEvents<CachedService> events = watch("")) {
      assertThat(events.hasNext()).isFalse();
    }
    try (WatchEvents<CachedService> events = watch("\n")) {
      assertThat(events.hasNext()).isFalse();
    }
  }

  @Test
  void malformedOrCutEventFailsTheWatchWithItsReason() {
    try (WatchEvents<CachedService> events =
        watch(body("{\"type\":\"ADDED\",\"object\":{\"metadata\":[1]}}\n"))) {
      assertThat(events.hasNext()).isTrue();
      assertThatThrownBy(events::next)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith(
              "unreadable watch event: Expected BEGIN_OBJECT but was BEGIN_ARRAY");
    }
    try (WatchEvents<CachedService> events = watch(body("{\"type\":\"ADDED\",\"obj"))) {
      assertThat(events.hasNext()).isTrue();
      assertThatThrownBy(events::next).hasMessageStartingWith("unreadable watch event: ");
    }
  }

  @Test
  void brokenConnectionSaysWhatClientJavasReflectorTakesForABrokenWatch() {
    InputStream reset =
        new InputStream() {
          @Override
          public int read() throws IOException {
            throw new SocketException("Connection reset");
          }
        };
    try (WatchEvents<CachedService> events =
        watch(ResponseBody.create(Okio.buffer(Okio.source(reset)), JSON, -1))) {
      assertThatThrownBy(events::hasNext)
          .hasMessage("IO Exception during hasNext method.")
          .hasRootCauseMessage("Connection reset");
    }
  }

  private static <T extends CachedObject> T read(ObjectReader<T> reader, String json)
      throws IOException {
    try (JsonReader in = new JsonReader(new StringReader(json))) {
      return reader.read(in);
    }
  }

  /** The events of a watch whose answer is {@code stream}, through the client's own types. */
  private static WatchEvents<CachedService> watch(String stream) {
    return watch(body(stream));
  }

  private static ResponseBody body(String stream) {
    return ResponseBody.create(stream, JSON);
  }

  private static WatchEvents<CachedService> watch(ResponseBody body) {
    Request request = new Request.Builder().url("http://127.0.0.1:1/api/v1/services").build();
    Call call = new OkHttpClient().newCall(request);
    Response response =
        new Response.Builder()
            .request(request)
            .protocol(Protocol.HTTP_1_1)
            .code(200)
            .message("OK")
            .body(body)
            .build();
    return new WatchEvents<>(call, response, CachedService::read);
  }
}
