package io.chelonia.agent.link;

import io.chelonia.agent.identity.Endpoint;
import java.util.Objects;

/**
 * What makes a link: who dialled whom on which port, over what, seen from which end. The client's
 * port is not part of it: ephemeral ports would make every connection its own link. The transport
 * is always TCP today.
 */
public record LinkKey(
    Endpoint client, Endpoint server, int serverPort, NetworkType networkType, Observer observer) {

  public static final String TRANSPORT = "tcp";

  public LinkKey {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(networkType, "networkType");
    Objects.requireNonNull(observer, "observer");
  }
}
