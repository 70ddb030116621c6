package dev.banger.api;

import dev.banger.agent.AgentChannels;
import dev.banger.error.BangerException;
import dev.banger.image.BuilderChoice;
import dev.banger.image.ImageService;
import dev.banger.image.registry.Credentials;
import dev.banger.kernel.KernelService;
import dev.banger.metrics.ImageMetrics;
import dev.banger.store.VmRepository.VmRow;
import dev.banger.vm.CreateVmRequest;
import dev.banger.vm.Reconciler;
import dev.banger.vm.VmService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The daemon's endpoints, all under {@code /v1/}. Each route only translates to a service call.
 * Image import and pull stream NDJSON progress when asked to (see {@link StreamedResponse}); the
 * request is checked first, so a bad one is a plain 400 either way.
 */
public final class Routes {
  private Routes() {}

  public static List<Route> all(VmService vms, ImageService images, KernelService kernels, Reconciler reconciler,
      CallerPaths callerPaths) {
    // The daemon's connections to guest agents (issue 14): one per VM, opened on first exec.
    AgentChannels agents = new AgentChannels();
    return List.of(
        new Route("GET", "/v1/version", r -> Map.of("version", Version.current(), "apiVersion", Version.API_VERSION)),
        new Route("POST", "/v1/system/reconcile", r -> reconciler.reconcile()),
        new Route("GET", "/v1/vms", r -> vms.list().stream().map(VmSummary::of).toList()),
        new Route("POST", "/v1/vms", r -> ApiResponse.created(VmSummary.of(vms.create(r.bodyAs(CreateVmRequest.class), r.caller())))),
        new Route("GET", "/v1/vms/{name}", r -> detail(vms, vms.get(r.param("name")))),
        new Route("DELETE", "/v1/vms/{name}", r -> {
          vms.delete(r.param("name"), r.flag("force"));
          return null;
        }),
        new Route("POST", "/v1/vms/{name}/start", r -> detail(vms, vms.start(r.param("name")))),
        new Route("POST", "/v1/vms/{name}/stop", r -> {
          Requests.StopVm body = r.body().isBlank() ? new Requests.StopVm(null, null) : r.bodyAs(Requests.StopVm.class);
          Duration timeout = body.timeoutSeconds() == null ? null : Duration.ofSeconds(body.timeoutSeconds());
          return detail(vms, vms.stop(r.param("name"), timeout, Boolean.TRUE.equals(body.force())));
        }),
        new Route("POST", "/v1/vms/{name}/restart", r -> detail(vms, vms.restart(r.param("name")))),
        new Route("GET", "/v1/vms/{name}/ssh", r -> vms.sshTarget(r.param("name"))),
        Route.duplex("POST", "/v1/vms/{name}/exec", ExecRoute.handler(vms, agents)),
        new Route("GET", "/v1/vms/{name}/logs", r -> readLog(vms.get(r.param("name")), r.count("offset").orElse(0L))),
        // The console is two plain requests, output by long poll and input by POST, rather than
        // an upgraded connection or a per-VM socket: no state lives in the daemon (the console
        // FIFO and log are in the VM directory), it keeps the API socket's permissions, and an
        // attached CLI rides out a daemon restart by retrying.
        new Route("GET", "/v1/vms/{name}/console", r -> consoleOutput(vms, r)),
        new Route("POST", "/v1/vms/{name}/console", r -> {
          vms.consoleInput(r.param("name"), base64(r.bodyAs(Requests.ConsoleInput.class).data()));
          return null;
        }),
        new Route("GET", "/v1/images", r -> images.list()),
        // Image names may hold '/' and ':' (registry references), so they travel as a query parameter.
        new Route("GET", "/v1/image", r -> images.inspect(required(r, "name"))),
        new Route("DELETE", "/v1/image", r -> {
          images.remove(required(r, "name"));
          return null;
        }),
        new Route("POST", "/v1/images/import", r -> {
          Requests.ImportImage body = r.bodyAs(Requests.ImportImage.class);
          if (body.path() == null || !Path.of(body.path()).isAbsolute()) {
            throw BangerException.invalid("import needs an absolute 'path'");
          }
          OptionalLong size = body.sizeBytes() == null ? OptionalLong.empty() : OptionalLong.of(body.sizeBytes());
          BuilderChoice builder = body.builder() == null ? null : BuilderChoice.parse(body.builder());
          return StreamedResponse.answer(r, progress -> ImageMetrics.measure("import", progress, measured -> {
            try (CallerPaths.Staged source = callerPaths.stage(r.caller(), Path.of(body.path()), CallerPaths.OCI_LAYOUT)) {
              return ApiResponse.created(images.importPath(source.path(), body.name(), size, builder, measured));
            }
          }));
        }),
        new Route("GET", "/v1/kernels", r -> kernels.list()),
        new Route("GET", "/v1/kernels/{name}", r -> kernels.inspect(r.param("name"))),
        new Route("DELETE", "/v1/kernels/{name}", r -> {
          kernels.remove(r.param("name"));
          return null;
        }),
        new Route("POST", "/v1/kernels/{name}/default", r -> kernels.setDefault(r.param("name"))),
        new Route("POST", "/v1/kernels/import", r -> {
          Requests.ImportKernel body = r.bodyAs(Requests.ImportKernel.class);
          Path path = absolute(body.path(), "path");
          boolean makeDefault = Boolean.TRUE.equals(body.makeDefault());
          if (Boolean.TRUE.equals(body.fromDeb())) {
            // The default busybox is the daemon's own choice, not the caller's: used as it is.
            Path busybox = body.busybox() == null ? null : absolute(body.busybox(), "busybox");
            try (CallerPaths.Staged deb = callerPaths.stage(r.caller(), path, List.of());
                CallerPaths.Staged box = busybox == null ? CallerPaths.AS_GIVEN.stage(r.caller(), KernelService.DEFAULT_BUSYBOX, List.of())
                    : callerPaths.stage(r.caller(), busybox, List.of())) {
              return ApiResponse.created(kernels.importDeb(deb.path(), body.name(), makeDefault, box.path()));
            }
          }
          Path initrd = body.initrd() == null ? null : absolute(body.initrd(), "initrd");
          try (CallerPaths.Staged kernel = callerPaths.stage(r.caller(), path, List.of());
              CallerPaths.Staged ramdisk = initrd == null ? null : callerPaths.stage(r.caller(), initrd, List.of())) {
            return ApiResponse.created(kernels.importKernel(kernel.path(), body.name(),
                Optional.ofNullable(ramdisk).map(CallerPaths.Staged::path), makeDefault));
          }
        }),
        new Route("POST", "/v1/images/pull", r -> {
          Requests.PullImage body = r.bodyAs(Requests.PullImage.class);
          Optional<Credentials> creds = body.username() == null
              ? Optional.empty() : Optional.of(new Credentials(body.username(), body.password()));
          return StreamedResponse.answer(r, progress -> ImageMetrics.measure("pull", progress,
              measured -> ApiResponse.created(images.pull(body.reference(), Optional.ofNullable(body.name()),
                  Optional.ofNullable(body.platform()), Boolean.TRUE.equals(body.insecure()), creds, measured))));
        }));
  }

  /**
   * {@code ?offset=N&wait=MS}: base64 {@code data}, the next {@code offset} and the VM's {@code
   * state}; once it has ended, its {@code exitCode} and {@code error} when it has them (also for a
   * VM --rm removed in the last minute).
   */
  private static Map<String, Object> consoleOutput(VmService vms, ApiRequest r) {
    OptionalLong given = r.count("offset");
    Long offset = given.isPresent() ? given.getAsLong() : null;
    Duration wait = Duration.ofMillis(r.count("wait").orElse(0L));
    VmService.ConsoleOutput out = vms.consoleOutput(r.param("name"), offset, wait);
    Map<String, Object> answer = new java.util.LinkedHashMap<>();
    answer.put("data", Base64.getEncoder().encodeToString(out.chunk().data()));
    answer.put("offset", out.chunk().next());
    answer.put("state", out.state().wire());
    answer.put("ready", out.ready());
    if (out.exitCode() != null) {
      answer.put("exitCode", out.exitCode());
    }
    if (out.error() != null) {
      answer.put("error", out.error());
    }
    return answer;
  }

  private static byte[] base64(String data) {
    if (data == null) {
      throw BangerException.invalid("console input needs 'data' (base64)");
    }
    try {
      return Base64.getDecoder().decode(data);
    } catch (IllegalArgumentException e) {
      throw BangerException.invalid("console input 'data' is not base64: " + e.getMessage());
    }
  }

  private static Path absolute(String value, String field) {
    if (value == null || !Path.of(value).isAbsolute()) {
      throw BangerException.invalid("'" + field + "' must be an absolute path on the daemon's host");
    }
    return Path.of(value);
  }

  private static String required(ApiRequest r, String param) {
    return r.queryParam(param).filter(v -> !v.isEmpty())
        .orElseThrow(() -> BangerException.invalid("query parameter '" + param + "' is required"));
  }

  private static VmDetail detail(VmService vms, VmRow row) {
    return VmDetail.of(row, vms.handles(row.runtime().id()));
  }

  /** The console log from byte {@code offset} on (at most 1 MiB), and the offset to ask for next. */
  private static Map<String, Object> readLog(VmRow row, long offset) throws java.io.IOException {
    // Offsets count from the log's first byte across rotations (ConsoleLog), so `logs -f` follows one.
    dev.banger.vmm.ConsoleLog.Chunk chunk = new dev.banger.vmm.ConsoleLog(Path.of(row.runtime().consoleLog()), Long.MAX_VALUE)
        .read(offset, 1 << 20, java.time.Duration.ZERO);
    byte[] read = chunk.data();
    // banger's init's ready marker is not the process's output (see ReadyMarker).
    int held = dev.banger.guest.ReadyMarker.partialTail(read);
    byte[] shown = dev.banger.guest.ReadyMarker.strip(java.util.Arrays.copyOf(read, read.length - held));
    return Map.of("log", new String(shown, java.nio.charset.StandardCharsets.UTF_8), "offset", chunk.next() - held);
  }

}
