package io.chelonia.agent.map;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.link.FailureReason;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkKey;
import io.chelonia.agent.link.LinkTotals;
import io.chelonia.agent.link.Observer;
import io.chelonia.agent.link.ResolverAnswer;
import io.chelonia.agent.link.Transport;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * One link as a JSON object: the {@code links --json} line and an element of {@code /api/links}.
 * Field names are part of the documented interface (README, "The links --json view").
 */
public final class LinkJson {
  private static final int DNS_PORT = 53;

  // The node factory, not an ObjectMapper: building a mapper loads most of jackson-databind (about
  // 300 classes, 2 MiB of metaspace) in every agent, read by the map page only when it is opened.
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** The link as it stood at the poll of {@code time}. */
  public ObjectNode toJson(Instant time, Link link) {
    ObjectNode node = keyFields(time, link.key());
    LinkTotals totals = link.totals();
    counters(
        node,
        totals.bytesClientToServer(),
        totals.bytesServerToClient(),
        totals.connectionsOpened(),
        totals.activeConnections(),
        totals.failures(),
        totals.retransmits());
    if (link.key().transport() == Transport.UDP) {
      node.put("datagrams_client_to_server", totals.datagramsClientToServer());
      node.put("datagrams_server_to_client", totals.datagramsServerToClient());
      if (link.key().serverPort() == DNS_PORT && link.key().observer() == Observer.CLIENT) {
        ObjectNode answers = node.putObject("dns_answers");
        // By response code, NOERROR first: the same order at every poll.
        new TreeMap<>(totals.dnsAnswers())
            .forEach((rcode, count) -> answers.put(ResolverAnswer.rcodeName(rcode), count));
        node.put("dns_unanswered", totals.dnsUnanswered());
      }
    }
    ObjectNode rtt = node.putObject("rtt");
    rtt.put("samples", totals.rtt().samples());
    rtt.put("mean_us", totals.rtt().meanMicros());
    rtt.put("min_us", totals.rtt().minMicros());
    rtt.put("max_us", totals.rtt().maxMicros());
    node.put("first_seen", link.firstSeen().toString());
    node.put("last_seen", link.lastSeen().toString());
    return node;
  }

  /** The link as one JSON line. */
  public String toLine(Instant time, Link link) {
    return toJson(time, link).toString();
  }

  /**
   * time, client, server, server_port, service (when dialled), transport, network_type, observer.
   */
  ObjectNode keyFields(Instant time, LinkKey key) {
    ObjectNode node = NODES.objectNode();
    node.put("time", time.toString());
    endpoint(node.putObject("client"), key.client());
    endpoint(node.putObject("server"), key.server());
    node.put("server_port", key.serverPort());
    key.service()
        .ifPresent(
            service ->
                node.putObject("service")
                    .put("namespace", service.namespace())
                    .put("name", service.name()));
    node.put("transport", key.transport().value());
    node.put("network_type", key.networkType().value());
    node.put("observer", key.observer().value());
    return node;
  }

  /** The cumulative counters, in the order {@code links --json} prints them. */
  static void counters(
      ObjectNode node,
      long bytesClientToServer,
      long bytesServerToClient,
      long connectionsOpened,
      long activeConnections,
      Map<FailureReason, Long> failures,
      long retransmits) {
    node.put("bytes_client_to_server", bytesClientToServer);
    node.put("bytes_server_to_client", bytesServerToClient);
    node.put("connections_opened", connectionsOpened);
    node.put("connections_active", activeConnections);
    ObjectNode failureCounts = node.putObject("connection_failures");
    for (Map.Entry<FailureReason, Long> failure : failures.entrySet()) {
      failureCounts.put(failure.getKey().value(), failure.getValue());
    }
    node.put("retransmits", retransmits);
  }

  private static void endpoint(ObjectNode node, Endpoint endpoint) {
    node.put("namespace", endpoint.namespace());
    node.put("kind", endpoint.kind());
    node.put("name", endpoint.name());
    if (!endpoint.zone().isEmpty()) {
      node.put("zone", endpoint.zone());
    }
    if (!endpoint.region().isEmpty()) {
      node.put("region", endpoint.region());
    }
  }
}
