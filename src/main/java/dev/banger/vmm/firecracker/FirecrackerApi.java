package dev.banger.vmm.firecracker;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Request bodies of the Firecracker API (v1.16), as records serialised by Jackson with
 * snake_case names. Null fields are left out: Firecracker rejects unknown fields and the schema
 * gives optional fields no null type. Field meanings are in the API's Swagger file.
 */
public final class FirecrackerApi {
  /** drive_id and iface_id must be alphanumeric or underscore (no hyphens). */
  public static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9_]+");

  private FirecrackerApi() {}

  static String checkDeviceId(String id) {
    if (id == null || !DEVICE_ID.matcher(id).matches()) {
      throw new IllegalArgumentException("Firecracker device ids must be alphanumeric or '_', got '" + id + "'");
    }
    return id;
  }

  /** {@code PUT /logger}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Logger(String logPath, String level, Boolean showLevel, Boolean showLogOrigin) {}

  /** {@code PUT /metrics}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Metrics(String metricsPath) {
    public Metrics {
      Objects.requireNonNull(metricsPath, "metricsPath");
    }
  }

  /** {@code PUT /machine-config}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record MachineConfig(int vcpuCount, long memSizeMib, Boolean smt) {}

  /** {@code PUT /boot-source}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record BootSource(String kernelImagePath, String bootArgs, String initrdPath) {
    public BootSource {
      Objects.requireNonNull(kernelImagePath, "kernelImagePath");
    }
  }

  /** {@code PUT /drives/{drive_id}} for a virtio-blk drive. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Drive(String driveId, String pathOnHost, boolean isRootDevice, boolean isReadOnly) {
    public Drive {
      checkDeviceId(driveId);
      Objects.requireNonNull(pathOnHost, "pathOnHost");
    }
  }

  /** {@code PUT /network-interfaces/{iface_id}}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record NetworkInterface(String ifaceId, String hostDevName, String guestMac) {
    public NetworkInterface {
      checkDeviceId(ifaceId);
      Objects.requireNonNull(hostDevName, "hostDevName");
    }
  }

  /**
   * {@code PUT /vsock}: the guest's virtio-vsock device, whose host end Firecracker binds as a Unix
   * socket at {@code udsPath} (the guest agent's channel, issue 14). The CID must be at least 3.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Vsock(int guestCid, String udsPath) {
    public Vsock {
      if (guestCid < 3) {
        throw new IllegalArgumentException("a vsock guest CID must be at least 3, got " + guestCid);
      }
      Objects.requireNonNull(udsPath, "udsPath");
    }
  }

  /** {@code PUT /mmds/config}: the metadata service's version and the interfaces it answers on. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record MmdsConfig(String version, java.util.List<String> networkInterfaces) {
    public MmdsConfig {
      networkInterfaces = java.util.List.copyOf(networkInterfaces);
      networkInterfaces.forEach(FirecrackerApi::checkDeviceId);
    }
  }

  /** {@code PUT /actions}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Action(String actionType) {
    public static final Action INSTANCE_START = new Action("InstanceStart");
    public static final Action SEND_CTRL_ALT_DEL = new Action("SendCtrlAltDel");
    public static final Action FLUSH_METRICS = new Action("FlushMetrics");
  }

  /** {@code PATCH /vm}: {@code Paused} or {@code Resumed}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Vm(String state) {
    public static final Vm PAUSED = new Vm("Paused");
    public static final Vm RESUMED = new Vm("Resumed");
  }

  /** {@code PUT /snapshot/create} (the VM must be paused). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record SnapshotCreate(String snapshotType, String snapshotPath, String memFilePath) {
    public SnapshotCreate {
      Objects.requireNonNull(snapshotPath, "snapshotPath");
      Objects.requireNonNull(memFilePath, "memFilePath");
    }
  }

  /** The guest memory of {@link SnapshotLoad}: a file ({@code File}) or a page-fault handler ({@code Uffd}). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record MemoryBackend(String backendType, String backendPath) {}

  /** The vsock device's new host socket at load: a clone's own, not its template's. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record VsockOverride(String udsPath) {
    public VsockOverride {
      Objects.requireNonNull(udsPath, "udsPath");
    }
  }

  /** A new tap for an interface of a restored VM. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record NetworkOverride(String ifaceId, String hostDevName) {
    public NetworkOverride {
      checkDeviceId(ifaceId);
      Objects.requireNonNull(hostDevName, "hostDevName");
    }
  }

  /** {@code PUT /snapshot/load}, only on a fresh process; a failure ends it. */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record SnapshotLoad(String snapshotPath, MemoryBackend memBackend, Boolean resumeVm,
      java.util.List<NetworkOverride> networkOverrides, VsockOverride vsockOverride) {
    public SnapshotLoad {
      Objects.requireNonNull(snapshotPath, "snapshotPath");
      Objects.requireNonNull(memBackend, "memBackend");
    }
  }
}
