package io.chelonia.agent.identity.dns;

import io.chelonia.agent.identity.Endpoint;
import io.chelonia.agent.identity.EndpointQuery;
import io.chelonia.agent.identity.NameSource;
import io.chelonia.agent.kernel.DnsMessage;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Names external addresses by the DNS name the workload asked for: learns from the DNS answers
 * sockets on this machine received over UDP or TCP (the kernel copies them) which name led to which
 * address, per network namespace (a pod, or the host), and names that namespace's connections to
 * the address by it while the answer holds. Two clients that resolved different names to one
 * address keep their own names. Names under the cluster domain are left to Kubernetes.
 *
 * <p>Memory is bounded: past {@code maxEntries} the oldest entry is dropped, and counted. Called
 * from the poll thread (learning and naming alike); synchronized all the same, as cheap insurance.
 */
public final class DnsNames implements NameSource, Consumer<DnsMessage> {
  public static final int DEFAULT_MAX_ENTRIES = 65_536;

  /**
   * An answer is kept at least this long, whatever its TTL: a connection is named when a harvest
   * first sees it, up to a poll interval after it was made, and an answer's TTL may be 0.
   */
  public static final Duration DEFAULT_MINIMUM_HOLD = Duration.ofSeconds(30);

  public static final String DEFAULT_CLUSTER_DOMAIN = "cluster.local";

  private final int maxEntries;
  private final Duration minimumHold;
  private final String clusterSuffix;
  private final String clusterDomain;
  private final Clock clock;
  private final Map<Key, Learned> names = new LinkedHashMap<>();
  private final Map<Integer, Long> answersByRcode = new LinkedHashMap<>();
  private long learned;
  private long evicted;
  private long expired;
  private long malformed;
  private long cut;

  public DnsNames(int maxEntries, Duration minimumHold, String clusterDomain, Clock clock) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("max DNS names must be at least 1, was " + maxEntries);
    }
    Objects.requireNonNull(minimumHold, "minimumHold");
    if (minimumHold.isNegative()) {
      throw new IllegalArgumentException("minimum hold must not be negative, was " + minimumHold);
    }
    this.maxEntries = maxEntries;
    this.minimumHold = minimumHold;
    this.clusterDomain = clusterDomain.toLowerCase(Locale.ROOT);
    this.clusterSuffix = "." + this.clusterDomain;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public static DnsNames withDefaults() {
    return new DnsNames(
        DEFAULT_MAX_ENTRIES, DEFAULT_MINIMUM_HOLD, DEFAULT_CLUSTER_DOMAIN, Clock.systemUTC());
  }

  /**
   * Learns from one datagram; one that is not a readable answer is counted and otherwise ignored.
   */
  @Override
  public synchronized void accept(DnsMessage message) {
    DnsAnswer answer;
    try {
      answer = read(message);
    } catch (MalformedDnsMessageException e) {
      malformed++;
      return;
    }
    answersByRcode.merge(answer.rcode(), 1L, Long::sum);
    if (message.netns() == 0 || inCluster(answer.question())) {
      return;
    }
    Instant now = clock.instant();
    for (DnsAnswer.Address address : answer.addresses()) {
      Duration hold = Duration.ofSeconds(address.ttlSeconds());
      Instant expires = now.plus(hold.compareTo(minimumHold) < 0 ? minimumHold : hold);
      Key key = new Key(message.netns(), address.address());
      // Removed first so a renewed entry moves to the young end of the eviction order.
      names.remove(key);
      if (names.size() >= maxEntries) {
        evictOldest(now);
      }
      names.put(key, new Learned(answer.question(), expires));
      learned++;
    }
  }

  /**
   * The answer in a datagram, or in a TCP segment that starts a message (its two-byte length
   * first); a message longer than what was copied is read up to the cut, and counted.
   */
  private DnsAnswer read(DnsMessage message) throws MalformedDnsMessageException {
    byte[] payload = message.payload();
    if (!message.overTcp()) {
      if (message.cut()) {
        cut++;
      }
      return DnsAnswerParser.parse(payload, !message.cut());
    }
    if (payload.length < 2) {
      throw new MalformedDnsMessageException("a TCP segment shorter than a length prefix");
    }
    int length = (payload[0] & 0xFF) << 8 | (payload[1] & 0xFF);
    int copied = payload.length - 2;
    if (length > copied) {
      cut++;
    }
    return DnsAnswerParser.parse(
        Arrays.copyOfRange(payload, 2, 2 + Math.min(length, copied)), length <= copied);
  }

  private boolean inCluster(String name) {
    return name.equals(clusterDomain) || name.endsWith(clusterSuffix);
  }

  private void evictOldest(Instant now) {
    Iterator<Learned> oldest = names.values().iterator();
    Learned dropped = oldest.next();
    oldest.remove();
    if (dropped.expires().isAfter(now)) {
      evicted++;
    } else {
      expired++;
    }
  }

  @Override
  public synchronized Optional<Endpoint> name(EndpointQuery query) {
    if (query.local()) {
      return Optional.empty();
    }
    Key key = new Key(query.netns(), query.address());
    Learned entry = names.get(key);
    if (entry == null) {
      return Optional.empty();
    }
    if (!entry.expires().isAfter(clock.instant())) {
      names.remove(key);
      expired++;
      return Optional.empty();
    }
    return Optional.of(
        new Endpoint(Endpoint.NAMESPACE_EXTERNAL, Endpoint.KIND_EXTERNAL, entry.name()));
  }

  /** What was learned and dropped so far. */
  public synchronized DnsNameCounters counters() {
    return new DnsNameCounters(
        learned, names.size(), evicted, expired, malformed, cut, Map.copyOf(answersByRcode));
  }

  private record Key(long netns, InetAddress address) {}

  private record Learned(String name, Instant expires) {}
}
