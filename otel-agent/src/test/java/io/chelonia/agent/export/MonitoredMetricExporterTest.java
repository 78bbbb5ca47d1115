package io.chelonia.agent.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class MonitoredMetricExporterTest {
  @Test
  void aRefusedHandshakeNamesTheCertificateSettings() {
    IOException wrapped = new IOException("export failed", new SSLHandshakeException("PKIX"));

    assertThat(MonitoredMetricExporter.tlsHint(wrapped))
        .contains("OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE");
  }

  @Test
  void otherFailuresGetNoHint() {
    assertThat(MonitoredMetricExporter.tlsHint(new ConnectException("Connection refused")))
        .isEmpty();
    assertThat(MonitoredMetricExporter.tlsHint(null)).isEmpty();
  }
}
