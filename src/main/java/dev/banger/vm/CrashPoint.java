package dev.banger.vm;

import java.util.Arrays;

/**
 * Every point where a test daemon can be halted ({@link CrashPoints}): before and after each
 * start {@link Step}, inside the guest setup (intent recorded, disk not yet written), and along
 * the stop and its teardown, and before each step of a suspend and a restore ({@link VmSuspension}) and of a snapshot ({@link SnapshotMaker}). The crash tests take their points from here, and a test checks that
 * every one is crashed by some test.
 */
public enum CrashPoint {
  START_DISK_PREPARE_BEFORE("start.disk.prepare.before"),
  START_DISK_PREPARE_AFTER("start.disk.prepare.after"),
  START_VOLUME_ATTACH_BEFORE("start.volume.attach.before"),
  START_VOLUME_ATTACH_AFTER("start.volume.attach.after"),
  START_NET_TAP_BEFORE("start.net.tap.before"),
  START_NET_TAP_AFTER("start.net.tap.after"),
  START_GUEST_SETUP_BEFORE("start.guest.setup.before"),
  START_GUEST_SETUP_WRITING("start.guest.setup.writing"),
  START_GUEST_SETUP_AFTER("start.guest.setup.after"),
  START_GUEST_INIT_BEFORE("start.guest.init.before"),
  START_GUEST_INIT_AFTER("start.guest.init.after"),
  START_VMM_JAIL_BEFORE("start.vmm.jail.before"),
  START_VMM_JAIL_AFTER("start.vmm.jail.after"),
  START_VMM_CGROUP_BEFORE("start.vmm.cgroup.before"),
  START_VMM_CGROUP_AFTER("start.vmm.cgroup.after"),
  START_VMM_SPAWN_BEFORE("start.vmm.spawn.before"),
  START_VMM_SPAWN_AFTER("start.vmm.spawn.after"),
  START_VMM_CONFIGURE_BEFORE("start.vmm.configure.before"),
  START_VMM_CONFIGURE_AFTER("start.vmm.configure.after"),
  START_VMM_BOOT_BEFORE("start.vmm.boot.before"),
  START_VMM_BOOT_AFTER("start.vmm.boot.after"),
  STOP_VMM_BEFORE("stop.vmm.before"),
  STOP_VMM_AFTER("stop.vmm.after"),
  STOP_JAIL_BEFORE("stop.jail.before"),
  STOP_NET_BEFORE("stop.net.before"),
  STOP_DISK_BEFORE("stop.disk.before"),
  STOP_CLEAR_BEFORE("stop.clear.before"),
  SUSPEND_VMM_PAUSE_BEFORE("suspend.vmm.pause.before"),
  SUSPEND_STATE_SAVE_BEFORE("suspend.state.save.before"),
  SUSPEND_STATE_PUBLISH_BEFORE("suspend.state.publish.before"),
  SUSPEND_VMM_END_BEFORE("suspend.vmm.end.before"),
  SUSPEND_VMM_END_AFTER("suspend.vmm.end.after"),
  RESTORE_STATE_VERIFY_BEFORE("restore.state.verify.before"),
  RESTORE_VMM_SPAWN_BEFORE("restore.vmm.spawn.before"),
  RESTORE_VMM_LOAD_BEFORE("restore.vmm.load.before"),
  RESTORE_VMM_RESUME_BEFORE("restore.vmm.resume.before"),
  RESTORE_VMM_RESUME_AFTER("restore.vmm.resume.after"),
  SNAPSHOT_STATE_SAVE_BEFORE("snapshot.state.save.before"),
  SNAPSHOT_PUBLISH_BEFORE("snapshot.publish.before"),
  SNAPSHOT_RECORD_BEFORE("snapshot.record.before");

  private final String wire;

  CrashPoint(String wire) {
    this.wire = wire;
  }

  /** The value of {@code BANGER_CRASH_AT} that names this point. */
  public String wire() {
    return wire;
  }

  public static CrashPoint before(Step step) {
    return of("start." + step.wire() + ".before");
  }

  public static CrashPoint after(Step step) {
    return of("start." + step.wire() + ".after");
  }

  /** The point {@code wire} names; IllegalArgumentException for none. */
  public static CrashPoint of(String wire) {
    return Arrays.stream(values()).filter(p -> p.wire.equals(wire)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no crash point " + wire));
  }
}
