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
