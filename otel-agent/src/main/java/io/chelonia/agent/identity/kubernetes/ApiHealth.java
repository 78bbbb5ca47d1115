package io.chelonia.agent.identity.kubernetes;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the API server answers, across all informers: one line when it stops answering, one when
 * it answers again, however many kinds are watched and however often they retry; every failure is
 * counted.
 */
final class ApiHealth {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesNames.class);

  private final AtomicLong errors = new AtomicLong();
  private final Set<String> failing = ConcurrentHashMap.newKeySet();
  private final Set<String> refused = ConcurrentHashMap.newKeySet();

  /**
   * The API server answered but refused {@code verb} on {@code resource} (HTTP 401 or 403): the
   * agent's rights, not the server, are at fault; said once per resource, with the server's reason.
   */
  void refused(String resource, String verb, int code, String reason) {
    errors.incrementAndGet();
    if (refused.add(resource)) {
      LOG.error(
          "kubernetes: not allowed to {} {} (HTTP {}: {}); grant get, list and watch on {} to the"
              + " agent's ServiceAccount (the chart's ClusterRole does): until then it is not read,"
              + " the other kinds are",
          verb,
          resource,
          code,
          reason,
          resource);
    }
  }

  void failed(String resource, String failure) {
    errors.incrementAndGet();
    boolean first;
    synchronized (this) {
      first = failing.isEmpty() && failing.add(resource);
      failing.add(resource);
    }
    if (first) {
      LOG.warn(
          "kubernetes: API server unreachable ({} {}); keeping the last known names and"
              + " retrying in the background",
          resource,
          failure);
    }
  }

  void succeeded(String resource) {
    boolean recovered;
    synchronized (this) {
      recovered = failing.remove(resource) && failing.isEmpty();
    }
    if (recovered) {
      LOG.info("kubernetes: API server reachable again");
    }
  }

  long errors() {
    return errors.get();
  }
}
