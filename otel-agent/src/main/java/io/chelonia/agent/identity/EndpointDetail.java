package io.chelonia.agent.identity;

/**
 * Decides how much detail an end carries beyond its workload name. Pod names and addresses split
 * one workload's link into many, so they are off unless asked for: with them off, whatever the
 * resolver said about pods is dropped and no address is kept.
 *
 * @param podNames keep the pod of ends that are pods
 * @param addresses keep every end's IP address
 */
public record EndpointDetail(boolean podNames, boolean addresses) {
  /** The resolver with this detail applied to what it returns. */
  public EndpointResolver applyTo(EndpointResolver resolver) {
    if (podNames && !addresses) {
      return resolver;
    }
    return new EndpointResolver() {
      @Override
      public Endpoint resolve(EndpointQuery query) {
        Endpoint endpoint = resolver.resolve(query);
        Endpoint detailed = podNames ? endpoint : endpoint.withPod("");
        return addresses ? detailed.withAddress(query.address().getHostAddress()) : detailed;
      }

      @Override
      public boolean isFinal(Endpoint endpoint) {
        return resolver.isFinal(endpoint);
      }
    };
  }
}
