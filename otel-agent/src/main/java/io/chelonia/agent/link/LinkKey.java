package io.chelonia.agent.link;

import io.chelonia.agent.identity.Endpoint;
import java.util.Objects;
import java.util.Optional;

/**
 * What makes a link: who dialled whom on which port, over what, seen from which end. The client's
 * port is not part of it: ephemeral ports would make every connection its own link. For UDP, the
 * client is the end that sent the flow's first datagram.
 *
 * @param server what answered: for a connection to a Service translated to a backend, the backend
 * @param serverPort the port that answered (the backend's, for a translated connection)
 * @param service the Service the client dialled, when it dialled one: kept beside the backend that
 *     answered, or alone as the server end when no translation was found
 * @param transport TCP or UDP
 */
public record LinkKey(
    Endpoint client,
    Endpoint server,
    int serverPort,
    NetworkType networkType,
    Observer observer,
    Optional<Endpoint> service,
    Transport transport) {

  public LinkKey {
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(networkType, "networkType");
    Objects.requireNonNull(observer, "observer");
    Objects.requireNonNull(service, "service");
  }

  /** A TCP link. */
  public LinkKey(
      Endpoint client,
      Endpoint server,
      int serverPort,
      NetworkType networkType,
      Observer observer,
      Optional<Endpoint> service) {
    this(client, server, serverPort, networkType, observer, service, Transport.TCP);
  }

  /** A TCP link not reached through a Service. */
  public LinkKey(
      Endpoint client,
      Endpoint server,
      int serverPort,
      NetworkType networkType,
      Observer observer) {
    this(client, server, serverPort, networkType, observer, Optional.empty());
  }
}
