package io.chelonia.agent.export;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.link.FailureReason;
import io.chelonia.agent.link.LinkKey;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The attribute sets of one link, built once when the link is first exported and reused at every
 * collection: an export allocates no attributes.
 */
final class LinkAttributes {
  static final AttributeKey<String> CLIENT_NAMESPACE =
      AttributeKey.stringKey("client.k8s.namespace.name");
  static final AttributeKey<String> CLIENT_KIND =
      AttributeKey.stringKey("client.k8s.workload.kind");
  static final AttributeKey<String> CLIENT_NAME =
      AttributeKey.stringKey("client.k8s.workload.name");
  static final AttributeKey<String> CLIENT_POD = AttributeKey.stringKey("client.k8s.pod.name");
  static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
  static final AttributeKey<String> SERVER_NAMESPACE =
      AttributeKey.stringKey("server.k8s.namespace.name");
  static final AttributeKey<String> SERVER_KIND =
      AttributeKey.stringKey("server.k8s.workload.kind");
  static final AttributeKey<String> SERVER_NAME =
      AttributeKey.stringKey("server.k8s.workload.name");
  static final AttributeKey<String> SERVER_POD = AttributeKey.stringKey("server.k8s.pod.name");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");

  /** Semconv cloud.availability_zone and cloud.region, of each end. */
  static final AttributeKey<String> CLIENT_ZONE =
      AttributeKey.stringKey("client.cloud.availability_zone");

  static final AttributeKey<String> CLIENT_REGION = AttributeKey.stringKey("client.cloud.region");
  static final AttributeKey<String> SERVER_ZONE =
      AttributeKey.stringKey("server.cloud.availability_zone");
  static final AttributeKey<String> SERVER_REGION = AttributeKey.stringKey("server.cloud.region");

  /**
   * The Service the client dialled (semconv k8s.service.name), beside the backend that answered.
   */
  static final AttributeKey<String> SERVER_SERVICE_NAME =
      AttributeKey.stringKey("server.k8s.service.name");

  /** That Service's namespace (semconv k8s.namespace.name, of the Service). */
  static final AttributeKey<String> SERVER_SERVICE_NAMESPACE =
      AttributeKey.stringKey("server.k8s.service.namespace.name");

  static final AttributeKey<String> NETWORK_TRANSPORT = AttributeKey.stringKey("network.transport");
  static final AttributeKey<String> NETWORK_TYPE = AttributeKey.stringKey("network.type");
  static final AttributeKey<String> OBSERVER = AttributeKey.stringKey("chelonia.observer");
  static final AttributeKey<String> DIRECTION = AttributeKey.stringKey("network.io.direction");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  /** A DNS answer's response code, as the semantic conventions' {@code dns.*} would name it. */
  static final AttributeKey<String> DNS_RESPONSE_CODE = AttributeKey.stringKey("dns.response_code");

  /** What the SDK puts on the series that collects attribute sets past the cardinality limit. */
  static final AttributeKey<Boolean> OVERFLOW = AttributeKey.booleanKey("otel.metric.overflow");

  static final String TRANSMIT = "transmit";
  static final String RECEIVE = "receive";

  final Attributes link;
  final Attributes transmit;
  final Attributes receive;
  private final Map<FailureReason, Attributes> failures = new EnumMap<>(FailureReason.class);

  /** Built at first need; exporter threads may ask at once. */
  private final Map<Integer, Attributes> dnsAnswers = new ConcurrentHashMap<>();

  private LinkAttributes(Attributes link) {
    this.link = link;
    this.transmit = link.toBuilder().put(DIRECTION, TRANSMIT).build();
    this.receive = link.toBuilder().put(DIRECTION, RECEIVE).build();
    for (FailureReason reason : FailureReason.values()) {
      failures.put(reason, link.toBuilder().put(ERROR_TYPE, reason.value()).build());
    }
  }

  static LinkAttributes of(LinkKey key) {
    AttributesBuilder builder = Attributes.builder();
    end(
        builder,
        key.client(),
        CLIENT_NAMESPACE,
        CLIENT_KIND,
        CLIENT_NAME,
        CLIENT_POD,
        CLIENT_ADDRESS);
    end(
        builder,
        key.server(),
        SERVER_NAMESPACE,
        SERVER_KIND,
        SERVER_NAME,
        SERVER_POD,
        SERVER_ADDRESS);
    builder.put(SERVER_PORT, key.serverPort());
    topology(builder, key.client(), CLIENT_ZONE, CLIENT_REGION);
    topology(builder, key.server(), SERVER_ZONE, SERVER_REGION);
    key.service()
        .ifPresent(
            service ->
                builder
                    .put(SERVER_SERVICE_NAMESPACE, service.namespace())
                    .put(SERVER_SERVICE_NAME, service.name()));
    builder.put(NETWORK_TRANSPORT, key.transport().value());
    builder.put(NETWORK_TYPE, key.networkType().value());
    builder.put(OBSERVER, key.observer().value());
    return new LinkAttributes(builder.build());
  }

  /** The overflow series: only the overflow marker, as the SDK does past its cardinality limit. */
  static LinkAttributes overflow() {
    return new LinkAttributes(Attributes.of(OVERFLOW, true));
  }

  Attributes failure(FailureReason reason) {
    return failures.get(reason);
  }

  Attributes dnsAnswer(int rcode) {
    return dnsAnswers.computeIfAbsent(
        rcode,
        code -> link.toBuilder().put(DNS_RESPONSE_CODE, DnsNameMetrics.rcodeName(code)).build());
  }

  private static void topology(
      AttributesBuilder builder,
      Endpoint end,
      AttributeKey<String> zone,
      AttributeKey<String> region) {
    if (!end.zone().isEmpty()) {
      builder.put(zone, end.zone());
    }
    if (!end.region().isEmpty()) {
      builder.put(region, end.region());
    }
  }

  private static void end(
      AttributesBuilder builder,
      Endpoint end,
      AttributeKey<String> namespace,
      AttributeKey<String> kind,
      AttributeKey<String> name,
      AttributeKey<String> pod,
      AttributeKey<String> address) {
    builder.put(namespace, end.namespace()).put(kind, end.kind()).put(name, end.name());
    if (!end.pod().isEmpty()) {
      builder.put(pod, end.pod());
    }
    if (!end.address().isEmpty()) {
      builder.put(address, end.address());
    }
  }
}
