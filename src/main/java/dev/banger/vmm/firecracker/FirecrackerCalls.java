package dev.banger.vmm.firecracker;

import dev.banger.vmm.AgentPort;
import dev.banger.vmm.BootConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Every request the driver sends, built as data by pure functions: the configuration plan in
 * its required order, and the actions. The driver only executes these lists, so the schema test
 * can check each body the driver can send, and a variant (the jailer) only changes how host
 * paths are spelled through {@code pathInVmm}.
 */
public final class FirecrackerCalls {
  public static final String ROOT_DRIVE_ID = "rootfs";
  public static final String IFACE_ID = "eth0";
  /** Session tokens ({@code PUT /latest/api/token}) are required: V1's plain GETs are refused. */
  public static final String MMDS_VERSION = "V2";
  /**
   * API request bodies and the MMDS store may take this many bytes ({@code
   * --http-api-max-payload-size}, {@code --mmds-size-limit}; Firecracker's default is 51200): 64 KiB
   * of user-data and of meta-data, even with every byte escaped in JSON, fit.
   */
  public static final int PAYLOAD_LIMIT = 1 << 20;

  private FirecrackerCalls() {}

  /** The process arguments that raise the body and MMDS limits to {@link #PAYLOAD_LIMIT}. */
  public static List<String> limitArgs() {
    return List.of("--http-api-max-payload-size", Integer.toString(PAYLOAD_LIMIT), "--mmds-size-limit",
        Integer.toString(PAYLOAD_LIMIT));
  }

  /**
   * The pre-boot configuration, in order: logger, metrics, machine-config, boot-source, root
   * drive, volumes, network interface (when there is a tap), MMDS (with a tap and metadata), the
   * guest agent's vsock.
   *
   * @param logPath where Firecracker writes its own log
   * @param metricsPath where it flushes metrics
   * @param agentSocket where Firecracker binds the host end of the vsock ({@link AgentPort#socket})
   * @param logLevel Error, Warning, Info, Debug, Trace or Off
   * @param pathInVmm how a host path is named to the VMM (identity, or chroot-relative in a jail)
   */
  public static List<ApiCall> configure(
      BootConfig boot, Path logPath, Path metricsPath, Path agentSocket, String logLevel, Function<Path, String> pathInVmm) {
    List<ApiCall> calls = new ArrayList<>(logging(logPath, metricsPath, logLevel, pathInVmm));
    calls.add(ApiCall.put(
        "/machine-config",
        new FirecrackerApi.MachineConfig(boot.vcpus(), boot.memoryMib(), null),
        "set " + boot.vcpus() + " vCPUs and " + boot.memoryMib() + " MiB of memory"));
    calls.add(ApiCall.put(
        "/boot-source",
        new FirecrackerApi.BootSource(
            pathInVmm.apply(boot.kernel()),
            boot.bootArgs(),
            boot.initrd() == null ? null : pathInVmm.apply(boot.initrd())),
        "set the kernel " + boot.kernel() + (boot.initrd() == null ? "" : " and initrd " + boot.initrd())));
    calls.add(ApiCall.put(
        "/drives/" + ROOT_DRIVE_ID,
        new FirecrackerApi.Drive(ROOT_DRIVE_ID, pathInVmm.apply(boot.rootfs()), true, boot.rootReadOnly()),
        "attach the root disk " + boot.rootfs()));
    for (var drive : boot.drives()) {
      calls.add(ApiCall.put(
          "/drives/" + drive.id(),
          new FirecrackerApi.Drive(drive.id(), pathInVmm.apply(drive.file()), false, drive.readOnly()),
          "attach the volume " + drive.file()));
    }
    if (boot.hasNetwork()) {
      calls.add(ApiCall.put(
          "/network-interfaces/" + IFACE_ID,
          new FirecrackerApi.NetworkInterface(IFACE_ID, boot.tap(), boot.guestMac()),
          "attach the tap " + boot.tap()));
      // MMDS answers only through a network interface, and its config must name one already attached.
      if (boot.mmds() != null) {
        calls.add(ApiCall.put("/mmds/config", new FirecrackerApi.MmdsConfig(MMDS_VERSION, List.of(IFACE_ID)),
            "configure the metadata service (MMDS " + MMDS_VERSION + ") on " + IFACE_ID));
        calls.add(ApiCall.put("/mmds", boot.mmds(), "load the VM's metadata into MMDS"));
      }
    }
    calls.add(ApiCall.put(
        "/vsock", new FirecrackerApi.Vsock(AgentPort.GUEST_CID, pathInVmm.apply(agentSocket)),
        "attach the guest agent's vsock at " + agentSocket));
    return List.copyOf(calls);
  }

  /** Logger and metrics: the start of a configuration, and all a snapshot load may follow. */
  public static List<ApiCall> logging(Path logPath, Path metricsPath, String logLevel, Function<Path, String> pathInVmm) {
    return List.of(
        ApiCall.put("/logger", new FirecrackerApi.Logger(pathInVmm.apply(logPath), logLevel, true, false),
            "configure the VMM logger"),
        ApiCall.put("/metrics", new FirecrackerApi.Metrics(pathInVmm.apply(metricsPath)), "configure VMM metrics"));
  }

  /** The plan with host paths passed through unchanged. */
  public static List<ApiCall> configure(BootConfig boot, Path logPath, Path metricsPath, Path agentSocket, String logLevel) {
    return configure(boot, logPath, metricsPath, agentSocket, logLevel, Path::toString);
  }

  public static ApiCall instanceStart() {
    return ApiCall.put("/actions", FirecrackerApi.Action.INSTANCE_START, "start the guest (InstanceStart)");
  }

  public static ApiCall sendCtrlAltDel() {
    return ApiCall.put("/actions", FirecrackerApi.Action.SEND_CTRL_ALT_DEL, "ask the guest to shut down (SendCtrlAltDel)");
  }

  /** {@code GET /}: instance id and state; also the readiness probe. */
  public static ApiCall describe() {
    return new ApiCall("GET", "/", null, "read the instance state");
  }

  /** The saved VM state and guest memory in a saved-state directory. */
  public static final String SNAPSHOT_FILE = "vmstate";
  public static final String MEMORY_FILE = "memory";

  public static ApiCall pause() {
    return new ApiCall("PATCH", "/vm", FirecrackerApi.Vm.PAUSED, "pause the guest (PATCH /vm Paused)");
  }

  public static ApiCall resume() {
    return new ApiCall("PATCH", "/vm", FirecrackerApi.Vm.RESUMED, "resume the guest (PATCH /vm Resumed)");
  }

  /** A full snapshot of a paused VM into {@code dir}, named as the VMM sees it. */
  public static ApiCall snapshotCreate(Path dir, Function<Path, String> pathInVmm) {
    return ApiCall.put("/snapshot/create", new FirecrackerApi.SnapshotCreate("Full",
        pathInVmm.apply(dir.resolve(SNAPSHOT_FILE)), pathInVmm.apply(dir.resolve(MEMORY_FILE))),
        "save the guest's state in " + dir);
  }

  /**
   * Loads a snapshot from {@code dir} into a fresh process, paused, onto {@code tap} (or no network),
   * its vsock bound at {@code agentSocket}: the VM's own, which differs from the saved one in a clone.
   */
  public static ApiCall snapshotLoad(Path dir, String tap, Path agentSocket, Function<Path, String> pathInVmm) {
    return ApiCall.put("/snapshot/load", new FirecrackerApi.SnapshotLoad(pathInVmm.apply(dir.resolve(SNAPSHOT_FILE)),
        new FirecrackerApi.MemoryBackend("File", pathInVmm.apply(dir.resolve(MEMORY_FILE))), false,
        tap == null ? List.of() : List.of(new FirecrackerApi.NetworkOverride(IFACE_ID, tap)),
        new FirecrackerApi.VsockOverride(pathInVmm.apply(agentSocket))),
        "restore the guest's state from " + dir);
  }
}
