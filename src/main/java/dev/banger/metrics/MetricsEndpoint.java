package dev.banger.metrics;

import dev.banger.host.ProcFs;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Supplier;

/**
 * One daemon's metrics in the Prometheus text format (0.0.4): the JVM-wide {@link BangerMetrics}
 * plus gauges read from this daemon's VMs at scrape time. Served at {@code GET /metrics} on the
 * API socket and, with {@code --metrics-addr}, over TCP ({@link MetricsServer}).
 */
public final class MetricsEndpoint {
  public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  /** @param extra this daemon's own collectors (e.g. event subscribers) */
  public MetricsEndpoint(Supplier<List<VmSample>> vms, ProcFs proc, Collector... extra) {
    for (Collector c : BangerMetrics.all()) {
      registry.register(c);
    }
    for (Collector c : extra) {
      registry.register(c);
    }
    registry.register(new VmGauges(vms, proc));
  }

  /** A scrape, encoded. */
  public byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try {
      writer.write(out, registry.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return out.toByteArray();
  }
}
