package dev.banger.api;

import dev.banger.volume.VolumeService;
import java.util.List;

/** The volume endpoints: {@code /v1/volumes}. */
public final class VolumeRoutes {
  /** {@code POST /v1/volumes}: a new volume of {@code sizeBytes}. */
  record CreateVolume(String name, Long sizeBytes) {}

  private VolumeRoutes() {}

  public static List<Route> all(VolumeService volumes) {
    return List.of(
        new Route("GET", "/v1/volumes", r -> volumes.list()),
        new Route("POST", "/v1/volumes", r -> {
          CreateVolume body = r.bodyAs(CreateVolume.class);
          if (body.sizeBytes() == null) {
            throw dev.banger.error.BangerException.invalid("a volume needs a size (--size, e.g. 1G)");
          }
          return ApiResponse.created(volumes.create(body.name(), body.sizeBytes()));
        }),
        new Route("GET", "/v1/volumes/{name}", r -> volumes.get(r.param("name"))),
        new Route("DELETE", "/v1/volumes/{name}", r -> {
          volumes.remove(r.param("name"));
          return null;
        }));
  }
}
