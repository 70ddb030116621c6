package dev.banger.config;

/** Every setting banger knows, in one place so that --help, the README and the code agree. */
public final class Settings {
  public static final String DEFAULT_CONFIG = "/etc/banger/config.json";

  public static final Setting CONFIG = new Setting("--config", "BANGER_CONFIG", "-", DEFAULT_CONFIG);
  public static final Setting STATE_DIR =
      new Setting("--state-dir", "BANGER_STATE_DIR", "stateDir", "/var/lib/banger");
  public static final Setting SOCKET =
      new Setting("--socket", "BANGER_SOCKET", "socket", "/run/banger/banger.sock");
  public static final Setting FIRECRACKER_BIN =
      new Setting("--firecracker-bin", "BANGER_FIRECRACKER_BIN", "firecracker.bin", "firecracker");
  public static final Setting JAILER_BIN =
      new Setting("--jailer-bin", "BANGER_JAILER_BIN", "firecracker.jailerBin", "jailer");
  public static final Setting JAILER =
      new Setting("--jailer", "BANGER_JAILER", "firecracker.jailer.enabled", "false");
  public static final Setting JAILER_UID =
      new Setting("--jailer-uid", "BANGER_JAILER_UID", "firecracker.jailer.uid", null);
  public static final Setting JAILER_GID =
      new Setting("--jailer-gid", "BANGER_JAILER_GID", "firecracker.jailer.gid", null);
  /** Default: {@code <state dir>/jail}, so disks and logs can be hard-linked into jails. */
  public static final Setting JAILER_CHROOT_BASE =
      new Setting("--jailer-chroot-base", "BANGER_JAILER_CHROOT_BASE", "firecracker.jailer.chrootBase", null);
  public static final Setting JAILER_PARENT_CGROUP =
      new Setting("--jailer-parent-cgroup", "BANGER_JAILER_PARENT_CGROUP", "firecracker.jailer.parentCgroup", "banger");
  public static final Setting JAILER_CGROUPS =
      new Setting("--jailer-cgroups", "BANGER_JAILER_CGROUPS", "firecracker.jailer.cgroups", null);
  public static final Setting QEMU_BIN =
      new Setting("--qemu-bin", "BANGER_QEMU_BIN", "qemu.bin", "qemu-system-x86_64");

  public static final Setting NETNS =
      new Setting("--netns", "BANGER_NETNS", "network.netns", null);
  public static final Setting SUBNET =
      new Setting("--subnet", "BANGER_SUBNET", "network.subnet", "172.30.0.0/16");
  public static final Setting BRIDGE =
      new Setting("--bridge", "BANGER_BRIDGE", "network.bridge", "banger0");
  public static final Setting VM_TO_VM =
      new Setting("--vm-to-vm", "BANGER_VM_TO_VM", "network.vmToVm", "deny");
  public static final Setting ROOTDISK =
      new Setting("--rootdisk", "BANGER_ROOTDISK", "rootdisk.strategy", "auto");
  public static final Setting IMAGE_BUILDER =
      new Setting("--image-builder", "BANGER_IMAGE_BUILDER", "image.builder", "auto");
  public static final Setting ACCEL =
      new Setting("--accel", "BANGER_ACCEL", "accel", "auto");
  public static final Setting DEFAULT_VMM =
      new Setting("--default-vmm", "BANGER_DEFAULT_VMM", "vmm.default", "auto");

  /** The API socket's group: its members may call the daemon (root always may). */
  public static final Setting SOCKET_GROUP =
      new Setting("--socket-group", "BANGER_SOCKET_GROUP", "api.socketGroup", "banger");
  public static final Setting MAX_CONNECTIONS =
      new Setting("--max-connections", "BANGER_MAX_CONNECTIONS", "api.maxConnections", "512");

  public static final Setting RECONCILE_INTERVAL =
      new Setting("--reconcile-interval", "BANGER_RECONCILE_INTERVAL", "reconcile.intervalSeconds", "30");

  /** Empty: metrics only on the API socket. */
  public static final Setting METRICS_ADDR =
      new Setting("--metrics-addr", "BANGER_METRICS_ADDR", "metrics.addr", "");

  /** The cgroup v2 (one name under the hierarchy's root) that holds each VMM's own cgroup. */
  public static final Setting CGROUP_PARENT =
      new Setting("--cgroup-parent", "BANGER_CGROUP_PARENT", "cgroup.parent", "banger");
  /** Added to a VM's memory for its cgroup's memory.max: what the VMM itself needs. */
  public static final Setting CGROUP_MEMORY_OVERHEAD =
      new Setting("--cgroup-memory-overhead", "BANGER_CGROUP_MEMORY_OVERHEAD", "cgroup.memoryOverhead", "256M");
  /** A VM's console.log is rotated past this size. */
  public static final Setting CONSOLE_LOG_MAX =
      new Setting("--console-log-max", "BANGER_CONSOLE_LOG_MAX", "console.logMax", "8M");
  /** Rotated console log generations kept per VM (console.log.1 …). */
  public static final Setting CONSOLE_LOG_KEEP =
      new Setting("--console-log-keep", "BANGER_CONSOLE_LOG_KEEP", "console.logKeep", "1");

  /** The table itself: every setting above, for lookups by flag (the CLI's default values). */
  public static final java.util.List<Setting> ALL = java.util.List.of(CONFIG, STATE_DIR, SOCKET, FIRECRACKER_BIN,
      JAILER_BIN, JAILER, JAILER_UID, JAILER_GID, JAILER_CHROOT_BASE, JAILER_PARENT_CGROUP, JAILER_CGROUPS, QEMU_BIN,
      NETNS, SUBNET, BRIDGE, VM_TO_VM, ROOTDISK, IMAGE_BUILDER, ACCEL, DEFAULT_VMM, SOCKET_GROUP, MAX_CONNECTIONS,
      RECONCILE_INTERVAL, METRICS_ADDR, CGROUP_PARENT, CGROUP_MEMORY_OVERHEAD, CONSOLE_LOG_MAX, CONSOLE_LOG_KEEP);

  /** The setting whose flag is {@code flag}, if any. */
  public static java.util.Optional<Setting> byFlag(String flag) {
    return ALL.stream().filter(s -> s.flag().equals(flag)).findFirst();
  }

  private Settings() {}
}
