package dev.banger.daemon;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The daemon's resolved settings (see {@link dev.banger.config.Settings} for their sources).
 *
 * @param stateDir where the database, images and VM directories live
 * @param socket the API socket path
 * @param netns network namespace for the bridge, taps, NAT and VMMs, or null for the host's
 * @param subnet the guests' IPv4 subnet in CIDR form
 * @param bridge the bridge name
 * @param vmToVm {@code allow} or {@code deny} (null: deny): may guests reach each other
 * @param rootdisk {@code auto}, {@code dm} or {@code copy}
 * @param imageBuilder {@code auto}, {@code mount} or {@code offline}
 * @param firecrackerBin the firecracker program
 * @param jailerBin the jailer program
 * @param jailer the jailer settings as given; checked when Firecracker is wired
 * @param qemuBin the qemu-system-x86_64 program
 * @param defaultVmm {@code auto}, {@code firecracker} or {@code qemu}
 * @param accel {@code auto}, {@code kvm} or {@code tcg}: what guests run under (see {@link dev.banger.vmm.accel.Acceleration})
 * @param reconcileInterval how often to reconcile in the background; zero turns it off
 * @param api the socket's group and the connection cap; null for the defaults
 * @param metricsAddr {@code HOST:PORT} to serve {@code GET /metrics} on over TCP, or null/empty for none
 * @param limits the VMMs' cgroups and the console logs' bounds; null for the defaults
 */
public record DaemonOptions(
    Path stateDir,
    Path socket,
    String netns,
    String subnet,
    String bridge,
    String vmToVm,
    String rootdisk,
    String imageBuilder,
    String firecrackerBin,
    String jailerBin,
    Jailer jailer,
    String qemuBin,
    String defaultVmm,
    String accel,
    java.time.Duration reconcileInterval,
    dev.banger.api.ApiServer.Options api,
    String metricsAddr,
    Limits limits) {
  /**
   * Resource bounds of every VM (see {@link dev.banger.config.Settings}).
   *
   * @param cgroupParent the cgroup under the v2 root that holds each VMM's own
   * @param memoryOverheadBytes added to a VM's memory for its cgroup's memory.max
   * @param consoleLogMaxBytes a console log is rotated past this size
   * @param consoleLogKeep rotated generations kept
   */
  public record Limits(String cgroupParent, long memoryOverheadBytes, long consoleLogMaxBytes, int consoleLogKeep) {
    public static final Limits DEFAULT = new Limits("banger", 256L << 20, 8L << 20, 1);

    public Limits {
      if (consoleLogMaxBytes < 4096) {
        throw dev.banger.error.BangerException.invalid("--console-log-max must be at least 4K, got " + consoleLogMaxBytes);
      }
      if (consoleLogKeep < 1 || consoleLogKeep > 100) {
        throw dev.banger.error.BangerException.invalid("--console-log-keep must be 1 to 100, got " + consoleLogKeep);
      }
    }
  }

  /** Options with the default limits. */
  public DaemonOptions(Path stateDir, Path socket, String netns, String subnet, String bridge, String vmToVm, String rootdisk,
      String imageBuilder, String firecrackerBin, String jailerBin, Jailer jailer, String qemuBin, String defaultVmm,
      String accel, java.time.Duration reconcileInterval, dev.banger.api.ApiServer.Options api, String metricsAddr) {
    this(stateDir, socket, netns, subnet, bridge, vmToVm, rootdisk, imageBuilder, firecrackerBin, jailerBin, jailer, qemuBin,
        defaultVmm, accel, reconcileInterval, api, metricsAddr, null);
  }

  /**
   * The jailer settings, as strings from their sources (see {@link dev.banger.config.Settings}).
   *
   * @param enabled "true" to start Firecracker through the jailer
   * @param uid the uid Firecracker runs as, or null
   * @param gid its gid, or null
   * @param chrootBase where jails are built, or null for {@code <state dir>/jail}
   * @param parentCgroup the cgroup that holds the VMs' cgroups
   * @param cgroups {@code file=value} properties separated by ';', or null
   */
  public record Jailer(String enabled, String uid, String gid, String chrootBase, String parentCgroup, String cgroups) {
    public static final Jailer OFF = new Jailer("false", null, null, null, null, null);
  }

  public DaemonOptions {
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(socket, "socket");
    stateDir = stateDir.toAbsolutePath().normalize();
    socket = socket.toAbsolutePath().normalize();
    jailer = jailer == null ? Jailer.OFF : jailer;
    api = api == null ? dev.banger.api.ApiServer.Options.DEFAULT : api;
    limits = limits == null ? Limits.DEFAULT : limits;
  }
}
