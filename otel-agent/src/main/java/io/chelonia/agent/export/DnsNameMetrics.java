package io.chelonia.agent.export;

import io.chelonia.agent.identity.dns.DnsNameCounters;
import io.chelonia.agent.link.ResolverAnswer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import java.util.function.Supplier;

/**
 * The self-metrics of names from DNS answers, {@code chelonia.agent.dns.*}: registered only when
 * those names are on, each callback reading one snapshot of the counters.
 */
final class DnsNameMetrics {
  private static final AttributeKey<String> RCODE = AttributeKey.stringKey("rcode");
  private static final AttributeKey<String> REASON = AttributeKey.stringKey("reason");
  private static final Attributes EVICTED = Attributes.of(REASON, "evicted");
  private static final Attributes EXPIRED = Attributes.of(REASON, "expired");
  private static final Attributes MALFORMED = Attributes.of(REASON, "malformed");
  private static final Attributes CUT = Attributes.of(REASON, "cut");

  private DnsNameMetrics() {}

  /** A response code as DNS people write it: NOERROR, NXDOMAIN..., else its number. */
  static String rcodeName(int rcode) {
    return ResolverAnswer.rcodeName(rcode);
  }

  static void register(Meter meter, Supplier<DnsNameCounters> counters) {
    meter
        .counterBuilder("chelonia.agent.dns.answers")
        .setUnit("{answer}")
        .setDescription("DNS answers received by sockets on this node, by response code.")
        .buildWithCallback(
            m ->
                counters
                    .get()
                    .answersByRcode()
                    .forEach((rcode, count) -> m.record(count, Attributes.of(RCODE, name(rcode)))));
    meter
        .upDownCounterBuilder("chelonia.agent.dns.names")
        .setUnit("{address}")
        .setDescription("Addresses named from DNS answers held now (per network namespace).")
        .buildWithCallback(m -> m.record(counters.get().held()));
    meter
        .counterBuilder("chelonia.agent.dns.names.learned")
        .setUnit("{address}")
        .setDescription("Addresses learned from DNS answers (a renewal counts again).")
        .buildWithCallback(m -> m.record(counters.get().learned()));
    meter
        .counterBuilder("chelonia.agent.dns.names.dropped")
        .setUnit("{address}")
        .setDescription(
            "Addresses forgotten: evicted (to stay within the limit, before their time) or"
                + " expired (their answer no longer holds).")
        .buildWithCallback(
            m -> {
              DnsNameCounters now = counters.get();
              m.record(now.evicted(), EVICTED);
              m.record(now.expired(), EXPIRED);
            });
    meter
        .counterBuilder("chelonia.agent.dns.messages.unread")
        .setUnit("{message}")
        .setDescription(
            "Datagrams from port 53 not read whole: malformed (ignored) or cut (longer than the"
                + " kernel copies; the records past the cut are not read).")
        .buildWithCallback(
            m -> {
              DnsNameCounters now = counters.get();
              m.record(now.malformed(), MALFORMED);
              m.record(now.cut(), CUT);
            });
  }

  private static String name(int rcode) {
    return rcodeName(rcode);
  }
}
