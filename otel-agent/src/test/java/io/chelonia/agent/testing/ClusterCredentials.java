package io.chelonia.agent.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * What a test API server needs to be trusted and to trust, made with openssl in {@code directory}:
 * a CA, a serving certificate for 127.0.0.1 signed by it, the key that signs ServiceAccount tokens,
 * and a static token for the cluster admin (group system:masters).
 */
record ClusterCredentials(
    Path caCertificate,
    Path servingCertificate,
    Path servingKey,
    Path serviceAccountKey,
    Path serviceAccountPublicKey,
    Path tokenFile,
    String adminToken) {

  static ClusterCredentials create(Path directory) {
    try {
      Path ca = directory.resolve("ca.crt");
      Path caKey = directory.resolve("ca.key");
      Path serving = directory.resolve("apiserver.crt");
      Path servingKey = directory.resolve("apiserver.key");
      Path request = directory.resolve("apiserver.csr");
      Path extensions = directory.resolve("apiserver.ext");
      Path saKey = directory.resolve("sa.key");
      Path saPublic = directory.resolve("sa.pub");
      String curve = "ec_paramgen_curve:prime256v1";
      openssl(
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          curve,
          "-nodes",
          "-days",
          "2",
          "-subj",
          "/CN=chelonia-test-ca",
          "-keyout",
          caKey.toString(),
          "-out",
          ca.toString());
      openssl(
          "req",
          "-newkey",
          "ec",
          "-pkeyopt",
          curve,
          "-nodes",
          "-subj",
          "/CN=kube-apiserver",
          "-keyout",
          servingKey.toString(),
          "-out",
          request.toString());
      Files.writeString(
          extensions, "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
      openssl(
          "x509",
          "-req",
          "-in",
          request.toString(),
          "-CA",
          ca.toString(),
          "-CAkey",
          caKey.toString(),
          "-CAcreateserial",
          "-days",
          "2",
          "-extfile",
          extensions.toString(),
          "-out",
          serving.toString());
      openssl("genrsa", "-out", saKey.toString(), "2048");
      openssl("rsa", "-in", saKey.toString(), "-pubout", "-out", saPublic.toString());
      byte[] secret = new byte[24];
      new SecureRandom().nextBytes(secret);
      String adminToken = HexFormat.of().formatHex(secret);
      Path tokens = directory.resolve("tokens.csv");
      Files.writeString(tokens, adminToken + ",chelonia-admin,chelonia-admin,system:masters\n");
      return new ClusterCredentials(ca, serving, servingKey, saKey, saPublic, tokens, adminToken);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the test cluster's credentials", e);
    }
  }

  /** The CA certificate as a kubeconfig's certificate-authority-data. */
  String caData() {
    try {
      return Base64.getEncoder().encodeToString(Files.readAllBytes(caCertificate));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void openssl(String... args) {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Command.run(Duration.ofSeconds(60), command).output();
  }
}
