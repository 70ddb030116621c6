package dev.banger.api;

import dev.banger.error.BangerException;
import dev.banger.store.SnapshotRecord;
import dev.banger.store.VmRepository.VmRow;
import dev.banger.vm.Snapshots;
import dev.banger.vm.VmService;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Snapshots and clones (issue 16): {@code POST /v1/snapshots} ({@code {"vm", "name"}}), {@code GET
 * /v1/snapshots}, {@code GET|DELETE /v1/snapshots/{name}}, and {@code POST
 * /v1/snapshots/{name}/clone} ({@code {"name"}}: a new VM started from the snapshot).
 */
public final class SnapshotRoutes {
  record CreateSnapshot(String vm, String name) {}

  record CloneSnapshot(String name) {}

  private SnapshotRoutes() {}

  public static List<Route> all(VmService vms, Snapshots snapshots) {
    return List.of(
        new Route("GET", "/v1/snapshots", r -> snapshots.list().stream().map(SnapshotRoutes::summary).toList()),
        new Route("POST", "/v1/snapshots", r -> {
          CreateSnapshot body = r.bodyAs(CreateSnapshot.class);
          if (body.vm() == null || body.name() == null) {
            throw BangerException.invalid("a snapshot needs the VM to take it of and a name (--name)");
          }
          return ApiResponse.created(summary(snapshots.create(body.vm(), body.name())));
        }),
        new Route("GET", "/v1/snapshots/{name}", r -> snapshots.get(r.param("name"))),
        new Route("DELETE", "/v1/snapshots/{name}", r -> {
          snapshots.remove(r.param("name"));
          return null;
        }),
        new Route("POST", "/v1/snapshots/{name}/clone", r -> {
          CloneSnapshot body = r.bodyAs(CloneSnapshot.class);
          if (body.name() == null) {
            throw BangerException.invalid("a clone needs a name (--name)");
          }
          VmRow row = snapshots.clone(r.param("name"), body.name());
          return ApiResponse.created(VmDetail.of(row, vms.handles(row.runtime().id())));
        }));
  }

  private static Map<String, Object> summary(SnapshotRecord s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", s.name());
    m.put("id", s.id());
    m.put("sourceVm", s.sourceVm());
    m.put("image", s.spec().image());
    m.put("vmm", s.spec().vmm());
    m.put("memoryMib", s.spec().memoryMib());
    m.put("sizeBytes", s.sizeBytes());
    m.put("createdAt", s.createdAt().toString());
    return m;
  }
}
