package io.chelonia.agent.identity.kubernetes;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.cache.Cache;
import io.kubernetes.client.informer.impl.DefaultSharedIndexInformer;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.util.CallGeneratorParams;
import io.kubernetes.client.util.Watch;
import io.kubernetes.client.util.Watchable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One kind of object, listed once and then watched by a client-java shared informer into an indexed
 * cache that lookups read without I/O.
 *
 * <p>Every call the informer makes goes through {@link ListerWatcher}, the library's two-method
 * seam: {@link PagedLists} makes the calls and reads each object straight into what the cache keeps
 * ({@link CachedObject}); here they are wrapped to cap the watch length, wait longer between
 * failing calls, count failures and note when the informer last called. {@link #check} restarts an
 * informer that has not called for {@link InformerTiming#staleAfter}. A restarted informer lists
 * afresh into a new cache; lookups keep reading the old cache, the last known state, until the new
 * one has synced.
 *
 * <p>Informers are made here rather than by {@code SharedInformerFactory}, which keeps one informer
 * per type and so cannot replace a stopped one.
 */
final class ResourceInformer<T extends CachedObject> {
  private static final Logger LOG = LoggerFactory.getLogger(ResourceInformer.class);

  private final Class<T> type;
  private final String resource;
  private final ListerWatcher<T, ObjectList<T>> api;
  private final Map<String, Function<T, List<String>>> indexers;
  private final InformerTiming timing;
  private final ApiHealth health;
  private final LongSupplier nanoTime;
  private volatile Informer running;
  private volatile Informer serving;
  private volatile long lastCallNanos;
  private volatile Throwable lastCounted;
  private int failures;
  private long restarts;

  ResourceInformer(
      Class<T> type,
      String resource,
      ListerWatcher<T, ObjectList<T>> api,
      Map<String, Function<T, List<String>>> indexers,
      InformerTiming timing,
      ApiHealth health,
      LongSupplier nanoTime) {
    this.type = type;
    this.resource = resource;
    this.api = api;
    this.indexers = Map.copyOf(indexers);
    this.timing = timing;
    this.health = health;
    this.nanoTime = nanoTime;
  }

  void start() {
    lastCallNanos = nanoTime.getAsLong();
    running = newInformer();
    serving = running;
    running.cache().run();
  }

  /** Restarts the informer if it made no call for too long. Called by the watchdog. */
  synchronized void check() {
    long silentNanos = nanoTime.getAsLong() - lastCallNanos;
    if (silentNanos <= timing.staleAfter().toNanos()) {
      return;
    }
    LOG.warn(
        "kubernetes: no call to list or watch {} for {} s; restarting its informer",
        resource,
        silentNanos / 1_000_000_000L);
    restarts++;
    Informer stale = running;
    lastCallNanos = nanoTime.getAsLong();
    running = newInformer();
    stale.stop();
    running.cache().run();
  }

  /** The objects indexed under {@code key} by {@code index}, from the last synced cache. */
  List<T> byIndex(String index, String key) {
    return current().getIndexer().byIndex(index, key);
  }

  /** The object {@code namespace/name}, or null. */
  T get(String namespace, String name) {
    return current().getIndexer().getByKey(namespace + "/" + name);
  }

  /** A cluster-scoped object (a Node) by name, or null while it is not cached. */
  T get(String name) {
    return current().getIndexer().getByKey(name);
  }

  boolean hasSynced() {
    return current().hasSynced();
  }

  synchronized long restarts() {
    return restarts;
  }

  void stop() {
    running.stop();
    serving.stop();
  }

  private SharedIndexInformer<T> current() {
    Informer fresh = running;
    if (fresh != serving && fresh.cache().hasSynced()) {
      serving = fresh;
    }
    return serving.cache();
  }

  private Informer newInformer() {
    return new Informer();
  }

  /** A client-java informer and the calls it makes. */
  private final class Informer {
    private final Guarded calls = new Guarded();
    private final SharedIndexInformer<T> cache;

    Informer() {
      DefaultSharedIndexInformer<T, ObjectList<T>> informer =
          new DefaultSharedIndexInformer<>(type, calls, 0, new Cache<>(), calls::failedInWatch);
      informer.addIndexers(indexers);
      cache = informer;
    }

    SharedIndexInformer<T> cache() {
      return cache;
    }

    void stop() {
      calls.stopped = true;
      cache.stop();
    }
  }

  /** The informer's calls: capped, spaced out while failing, counted, timed. */
  private final class Guarded implements ListerWatcher<T, ObjectList<T>> {
    /** Set before the informer is stopped: what breaks then is not the server's failure. */
    private volatile boolean stopped;

    /** Failures the reflector met reading a watch; failed calls were counted already. */
    private void failedInWatch(Class<T> type, Throwable failure) {
      if (!stopped && failure != lastCounted && !interrupted(failure)) {
        health.failed(resource, message(failure));
        LOG.debug("kubernetes: watching {} failed", resource, failure);
      }
    }

    @Override
    public ObjectList<T> list(CallGeneratorParams params) throws ApiException {
      waitBeforeCall();
      try {
        ObjectList<T> list = api.list(params);
        succeeded();
        return list;
      } catch (ApiException | RuntimeException e) {
        failed("list", e);
        throw e;
      }
    }

    @Override
    public Watchable<T> watch(CallGeneratorParams params) throws ApiException {
      waitBeforeCall();
      int timeout =
          (int)
              Math.min(
                  params.timeoutSeconds == null ? Integer.MAX_VALUE : params.timeoutSeconds,
                  timing.watchTimeout().toSeconds());
      try {
        Watchable<T> watch =
            api.watch(new CallGeneratorParams(params.watch, params.resourceVersion, timeout));
        succeeded();
        return new CountedEvents(watch);
      } catch (ApiException | RuntimeException e) {
        failed("watch", e);
        throw e;
      }
    }

    /** Watch events, a broken watch counted. */
    private final class CountedEvents implements Watchable<T> {
      private final Watchable<T> events;

      CountedEvents(Watchable<T> events) {
        this.events = events;
      }

      /**
       * Counts a watch that broke (its connection reset, or found dead by a ping): client-java's
       * reflector takes that for a read timeout and lists again without telling anyone.
       */
      @Override
      public boolean hasNext() {
        try {
          return events.hasNext();
        } catch (RuntimeException e) {
          if (!stopped && !interrupted(e)) {
            lastCounted = e;
            health.failed(resource, "watch: " + message(e));
          }
          throw e;
        }
      }

      @Override
      public Watch.Response<T> next() {
        return events.next();
      }

      @Override
      public Iterator<Watch.Response<T>> iterator() {
        return this;
      }

      @Override
      public void close() throws IOException {
        events.close();
      }
    }

    private void waitBeforeCall() {
      lastCallNanos = nanoTime.getAsLong();
      long waitMillis;
      synchronized (ResourceInformer.this) {
        waitMillis = timing.retryAfter(failures).toMillis();
      }
      if (waitMillis > 0) {
        try {
          Thread.sleep(waitMillis);
        } catch (InterruptedException e) {
          // The informer is being stopped: let the call fail fast.
          Thread.currentThread().interrupt();
        }
      }
      lastCallNanos = nanoTime.getAsLong();
    }

    private void succeeded() {
      synchronized (ResourceInformer.this) {
        failures = 0;
      }
      health.succeeded(resource);
    }

    private void failed(String verb, Exception failure) {
      if (stopped || interrupted(failure)) {
        return;
      }
      lastCounted = failure;
      synchronized (ResourceInformer.this) {
        failures++;
      }
      if (failure instanceof ApiException api && (api.getCode() == 401 || api.getCode() == 403)) {
        health.refused(resource, verb, api.getCode(), reason(api));
      } else {
        health.failed(resource, verb + ": " + message(failure));
      }
    }
  }

  /**
   * The informer is being stopped (its threads are interrupted): not the server's failure. A
   * timeout is an InterruptedIOException too, but a failure: an unanswered ping, a dead connection.
   */
  private static boolean interrupted(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof InterruptedIOException && !(cause instanceof SocketTimeoutException)
          || cause instanceof InterruptedException) {
        return true;
      }
    }
    return Thread.currentThread().isInterrupted();
  }

  /** The message of the Status the API server answered with. */
  private static String reason(ApiException failure) {
    String body = failure.getResponseBody();
    if (body != null && !body.isBlank()) {
      try {
        JsonElement message = JsonParser.parseString(body).getAsJsonObject().get("message");
        return message == null ? body.strip() : message.getAsString();
      } catch (RuntimeException notStatus) {
        return body.strip();
      }
    }
    return failure.getMessage() == null ? "no reason given" : failure.getMessage();
  }

  private static String message(Throwable failure) {
    if (failure instanceof ApiException api && api.getCode() != 0) {
      return "HTTP " + api.getCode();
    }
    Throwable root = failure;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.toString();
  }
}
