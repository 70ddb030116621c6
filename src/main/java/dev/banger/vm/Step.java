package dev.banger.vm;

/**
 * The named steps of a start (STYLE.md 1, {@link BootSteps}), in order. Each has the crash points
 * {@code start.<wire>.before} and {@code start.<wire>.after} ({@link CrashPoint}).
 */
public enum Step {
  DISK_PREPARE("disk.prepare"),
  /** The claims on the VM's volumes. */
  VOLUME_ATTACH("volume.attach"),
  NET_TAP("net.tap"),
  GUEST_SETUP("guest.setup"),
  /** Container mode only. */
  GUEST_INIT("guest.init"),
  /** A VMM that sandboxes (the Firecracker jailer) only. */
  VMM_JAIL("vmm.jail"),
  /** The VMM's own cgroup (where cgroup v2 is mounted). */
  VMM_CGROUP("vmm.cgroup"),
  VMM_SPAWN("vmm.spawn"),
  VMM_CONFIGURE("vmm.configure"),
  VMM_BOOT("vmm.boot");

  private final String wire;

  Step(String wire) {
    this.wire = wire;
  }

  /** The name in logs, errors ("start failed at vmm.spawn") and crash points. */
  public String wire() {
    return wire;
  }
}
