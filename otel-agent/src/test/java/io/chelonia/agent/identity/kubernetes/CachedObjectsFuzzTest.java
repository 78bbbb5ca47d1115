package io.chelonia.agent.identity.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.google.gson.stream.JsonReader;
import io.chelonia.agent.testing.HostileText;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Generated hostile API objects (an API server is trusted, but what it serves was written by anyone
 * who may create a pod or label a node): every reader either reads a record whose texts are never
 * null, or fails with what the list and watch calls turn into one counted failure; nothing else
 * escapes.
 */
class CachedObjectsFuzzTest {
  private static final List<String> OBJECTS =
      List.of(
          """
          {"metadata":{"name":"web-1","namespace":"shop","uid":"u","resourceVersion":"4",\
          "creationTimestamp":"2026-12-01T10:00:00Z","ownerReferences":[{"kind":"ReplicaSet",\
          "name":"web-7f","controller":true}],"labels":{"topology.kubernetes.io/zone":"z"}},\
          "spec":{"nodeName":"n","hostNetwork":true,"containers":[{"ports":[{"containerPort":80}]}]},\
          "status":{"phase":"Running","podIPs":[{"ip":"2001:db8::1"}],"addresses":[\
          {"type":"InternalIP","address":"198.18.0.1"}],"loadBalancer":{"ingress":[{"ip":"x"}]}}}""",
          """
          {"spec":{"clusterIPs":["None","198.18.0.9"],"externalIPs":null},"metadata":null}""");

  @Test
  void readersReadARecordOrFailAsACallFails() {
    HostileText inputs = new HostileText(31, OBJECTS);
    List<ObjectReader<?>> readers =
        List.of(
            CachedPod::read,
            CachedService::read,
            CachedNode::read,
            ApiResource.REPLICA_SETS.reader());
    int read = 0;
    for (String input : inputs.take(20_000, 600)) {
      for (ObjectReader<?> reader : readers) {
        try (JsonReader in = new JsonReader(new StringReader(input))) {
          CachedObject object = reader.read(in);
          assertThat(object.namespace()).as("from %s", input).isNotNull();
          assertThat(object.name()).isNotNull();
          assertThat(object.resourceVersion()).isNotNull();
          assertThat(object.getMetadata().getName()).isEqualTo(object.name());
          read++;
        } catch (IOException | IllegalStateException | NumberFormatException expected) {
          // what PagedLists and WatchEvents turn into a failed call
        }
      }
    }
    assertThat(read).as("inputs read whole").isPositive();
    for (String object : OBJECTS) {
      assertThatCode(() -> CachedPod.read(new JsonReader(new StringReader(object))))
          .doesNotThrowAnyException();
    }
  }
}
