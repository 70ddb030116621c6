package dev.banger.api;

import dev.banger.housekeeping.Housekeeping;
import java.util.List;

/** {@code GET /v1/system/df} and {@code POST /v1/system/prune} ({@link Housekeeping}). */
public final class HousekeepingRoutes {
  /** The body of a prune: {@code vms} also removes VMs that are not running. */
  public record PruneRequest(Boolean vms) {}

  private HousekeepingRoutes() {}

  public static List<Route> all(Housekeeping housekeeping) {
    return List.of(
        new Route("GET", "/v1/system/df", r -> housekeeping.df()),
        new Route("POST", "/v1/system/prune", r -> {
          PruneRequest body = r.body().isBlank() ? new PruneRequest(false) : r.bodyAs(PruneRequest.class);
          return housekeeping.prune(Boolean.TRUE.equals(body.vms()));
        }));
  }
}
