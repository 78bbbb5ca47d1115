package io.chelonia.agent.identity;

import io.chelonia.agent.lifecycle.DaemonThreads;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Names external addresses by their reverse-DNS (PTR) name, through the system resolver (so
 * /etc/hosts counts). Never blocks the poll thread: a miss answers empty and queues a lookup on a
 * small pool (bounded threads, bounded queue: past it the address is simply asked again later);
 * answers are cached, names for {@code ttl}, misses for {@code negativeTtl}.
 */
public final class ReverseDns implements NameSource, AutoCloseable {
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(10);
  public static final Duration DEFAULT_NEGATIVE_TTL = Duration.ofMinutes(1);
  public static final int DEFAULT_CONCURRENCY = 2;
  public static final int DEFAULT_MAX_ENTRIES = 10_000;
  private static final int QUEUE = 256;

  private final Function<InetAddress, Optional<String>> lookup;
  private final Duration ttl;
  private final Duration negativeTtl;
  private final int maxEntries;
  private final Clock clock;
  private final ThreadPoolExecutor pool;
  private final Map<InetAddress, Answer> cache = new ConcurrentHashMap<>();
  private final Map<InetAddress, Boolean> pending = new ConcurrentHashMap<>();

  public ReverseDns(
      Function<InetAddress, Optional<String>> lookup,
      Duration ttl,
      Duration negativeTtl,
      int concurrency,
      int maxEntries,
      Clock clock) {
    this.lookup = lookup;
    this.ttl = ttl;
    this.negativeTtl = negativeTtl;
    this.maxEntries = maxEntries;
    this.clock = clock;
    this.pool =
        new ThreadPoolExecutor(
            concurrency,
            concurrency,
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE),
            DaemonThreads.named("chelonia-rdns"));
    pool.allowCoreThreadTimeOut(true);
  }

  /** With the system resolver and the default cache sizes. */
  public static ReverseDns system() {
    return new ReverseDns(
        ReverseDns::systemLookup,
        DEFAULT_TTL,
        DEFAULT_NEGATIVE_TTL,
        DEFAULT_CONCURRENCY,
        DEFAULT_MAX_ENTRIES,
        Clock.systemUTC());
  }

  @Override
  public Optional<Endpoint> name(EndpointQuery query) {
    if (query.local()) {
      return Optional.empty();
    }
    InetAddress address = query.address();
    Answer answer = cache.get(address);
    if (answer == null || answer.expires().isBefore(clock.instant())) {
      ask(address);
    }
    return answer == null
        ? Optional.empty()
        : answer
            .name()
            .map(name -> new Endpoint(Endpoint.NAMESPACE_EXTERNAL, Endpoint.KIND_EXTERNAL, name));
  }

  private void ask(InetAddress address) {
    if (pending.putIfAbsent(address, Boolean.TRUE) != null) {
      return;
    }
    try {
      pool.execute(
          () -> {
            try {
              Optional<String> name = lookup.apply(address);
              if (cache.size() >= maxEntries) {
                evictExpiredOrAny();
              }
              cache.put(
                  address,
                  new Answer(name, clock.instant().plus(name.isPresent() ? ttl : negativeTtl)));
            } finally {
              pending.remove(address);
            }
          });
    } catch (RejectedExecutionException busy) {
      pending.remove(address);
    }
  }

  private void evictExpiredOrAny() {
    Instant now = clock.instant();
    cache.values().removeIf(answer -> answer.expires().isBefore(now));
    Iterator<InetAddress> it = cache.keySet().iterator();
    while (cache.size() >= maxEntries && it.hasNext()) {
      it.next();
      it.remove();
    }
  }

  /** The PTR name; the JDK answers the address itself when there is none. */
  static Optional<String> systemLookup(InetAddress address) {
    try {
      String literal = address.getHostAddress();
      String name = InetAddress.getByAddress(address.getAddress()).getCanonicalHostName();
      return name.equals(literal) ? Optional.empty() : Optional.of(name);
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }

  private record Answer(Optional<String> name, Instant expires) {}
}
