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
}
