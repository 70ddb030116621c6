package dev.banger.api;

import dev.banger.metrics.MetricsEndpoint;
import java.util.List;

/**
 * Operations endpoints (issue 20), kept apart from {@link Routes}: {@code GET /metrics} in the
 * Prometheus text format, outside {@code /v1/} where scrapers look for it.
 */
public final class OpsRoutes {
  private OpsRoutes() {}

  public static List<Route> all(MetricsEndpoint metrics) {
    return List.of(new Route("GET", "/metrics", r -> new RawResponse(MetricsEndpoint.CONTENT_TYPE, metrics.scrape())));
  }
}
