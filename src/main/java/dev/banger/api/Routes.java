package dev.banger.api;

import dev.banger.vm.CreateVmRequest;
import dev.banger.vm.VmService;
import java.util.List;
import java.util.Map;

/** The daemon's endpoints, all under {@code /v1/}. Each route only translates to a service call. */
public final class Routes {
  private Routes() {}

  public static List<Route> all(VmService vms) {
    return List.of(
        new Route("GET", "/v1/version", r -> Map.of("version", Version.current(), "apiVersion", Version.API_VERSION)),
        new Route("GET", "/v1/vms", r -> vms.list().stream().map(VmSummary::of).toList()),
        new Route("POST", "/v1/vms", r -> ApiResponse.created(VmSummary.of(vms.create(r.bodyAs(CreateVmRequest.class))))));
  }
}
