package dev.banger.api;

import dev.banger.store.VmRepository.VmRow;
import dev.banger.vm.VmService;
import java.util.List;
import java.util.function.BiFunction;

/** Pause, resume and suspend: {@code POST /v1/vms/{name}/pause|resume|suspend} (a start of a suspended VM restores it). */
public final class SavedStateRoutes {
  private SavedStateRoutes() {}

  public static List<Route> all(VmService vms) {
    return List.of(
        route(vms, "pause", (service, id) -> service.suspension().pause(id)),
        route(vms, "resume", (service, id) -> service.suspension().resume(id)),
        route(vms, "suspend", (service, id) -> service.suspension().suspend(id)));
  }

  private static Route route(VmService vms, String action, BiFunction<VmService, String, VmRow> work) {
    return new Route("POST", "/v1/vms/{name}/" + action, r -> {
      VmRow row = work.apply(vms, vms.get(r.param("name")).runtime().id());
      return VmDetail.of(row, vms.handles(row.runtime().id()));
    });
  }
}
