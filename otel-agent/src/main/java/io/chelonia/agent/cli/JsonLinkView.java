package io.chelonia.agent.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.link.FailureReason;
import io.chelonia.agent.link.Link;
import io.chelonia.agent.link.LinkKey;
import io.chelonia.agent.link.LinkPoll;
import java.io.PrintWriter;
import java.util.Map;

/** One JSON object per link per poll, one per line, for scripts and tests. */
final class JsonLinkView implements LinkView {
  private final ObjectMapper mapper = new ObjectMapper();
  private final PrintWriter out;

  JsonLinkView(PrintWriter out) {
    this.out = out;
  }

  @Override
  public void onPoll(LinkPoll poll) {
    for (Link link : poll.links()) {
      out.println(toJson(poll, link));
    }
    out.flush();
  }

  private String toJson(LinkPoll poll, Link link) {
    LinkKey key = link.key();
    ObjectNode node = mapper.createObjectNode();
    node.put("time", poll.time().toString());
    endpoint(node.putObject("client"), key.client());
    endpoint(node.putObject("server"), key.server());
    node.put("server_port", key.serverPort());
    node.put("transport", LinkKey.TRANSPORT);
    node.put("network_type", key.networkType().value());
    node.put("observer", key.observer().value());
    node.put("bytes_client_to_server", link.totals().bytesClientToServer());
    node.put("bytes_server_to_client", link.totals().bytesServerToClient());
    node.put("connections_opened", link.totals().connectionsOpened());
    node.put("connections_active", link.totals().activeConnections());
    ObjectNode failures = node.putObject("connection_failures");
    for (Map.Entry<FailureReason, Long> failure : link.totals().failures().entrySet()) {
      failures.put(failure.getKey().value(), failure.getValue());
    }
    node.put("retransmits", link.totals().retransmits());
    ObjectNode rtt = node.putObject("rtt");
    rtt.put("samples", link.totals().rtt().samples());
    rtt.put("mean_us", link.totals().rtt().meanMicros());
    rtt.put("min_us", link.totals().rtt().minMicros());
    rtt.put("max_us", link.totals().rtt().maxMicros());
    node.put("first_seen", link.firstSeen().toString());
    node.put("last_seen", link.lastSeen().toString());
    try {
      return mapper.writeValueAsString(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void endpoint(ObjectNode node, Endpoint endpoint) {
    node.put("namespace", endpoint.namespace());
    node.put("kind", endpoint.kind());
    node.put("name", endpoint.name());
  }
}
