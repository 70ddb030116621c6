package dev.banger.rootdisk;

import dev.banger.host.LoopDevices;
import dev.banger.model.VmHandles;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The loop devices and device-mapper targets of one reconcile pass, listed once (one
 * {@code losetup --list}, one {@code dmsetup ls}, at the first dm-snapshot disk asked about)
 * instead of three commands per VM (issue 17). It can only prove a disk active: a disk it does not
 * show is asked directly, so a device made after the listing is never mistaken for missing.
 */
public final class DiskSnapshot {
  private final LoopDevices loopDevices;
  private final DmSetup dm;
  private Map<String, LoopDevices.Loop> loops;
  private Set<String> targets;

  DiskSnapshot(LoopDevices loopDevices, DmSetup dm) {
    this.loopDevices = loopDevices;
    this.dm = dm;
  }

  /** True when {@code disk} is active for these handles, from the listing or else by asking {@code disk}. */
  public synchronized boolean isActive(RootDisk disk, DiskSpec spec, VmHandles handles) {
    return shows(disk, spec, handles) || disk.isActive(spec, handles);
  }

  private boolean shows(RootDisk disk, DiskSpec spec, VmHandles handles) {
    if (!(disk instanceof DmSnapshotDisk) || handles == null || handles.baseLoop() == null || handles.cowLoop() == null
        || !DmSnapshotDisk.targetName(spec.vmId()).equals(handles.dmName())) {
      return false;
    }
    list();
    if (!targets.contains(handles.dmName())) {
      return false;
    }
    LoopDevices.Loop base = loops.get(handles.baseLoop());
    LoopDevices.Loop cow = loops.get(handles.cowLoop());
    return base != null && LoopDevices.samePath(base.backingPath(), spec.image())
        && cow != null && LoopDevices.samePath(cow.backingPath(), spec.disk());
  }

  /** Lists once; a part that cannot be listed shows nothing, and its disks are asked directly. */
  private void list() {
    if (loops != null) {
      return;
    }
    loops = new HashMap<>();
    targets = new HashSet<>();
    try {
      loopDevices.list().forEach(l -> loops.put(l.device(), l));
      targets.addAll(dm.list());
    } catch (RuntimeException e) {
      loops.clear();
      targets.clear();
    }
  }
}
