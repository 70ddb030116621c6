package dev.banger.rootdisk;

import dev.banger.model.HandleSink;
import dev.banger.model.VmHandles;

/**
 * A strategy for giving each VM its own writable root disk over a shared, read-only image.
 *
 * <p>Lifecycle, per VM:
 *
 * <ol>
 *   <li>{@link #prepare} before each boot: creates the per-VM file on first use (it persists
 *       across stops) and any kernel devices the VMM needs; returns the path the VMM opens.
 *   <li>{@link #isActive} during reconcile: do the recorded handles still exist and are ours?
 *   <li>{@link #release} after each stop (and on error or reconcile of a stale VM): removes the
 *       kernel devices, keeps the per-VM file.
 *   <li>{@link #delete} when the VM is deleted, after {@code release}: removes the per-VM file.
 * </ol>
 *
 * <p>Every method is idempotent, "already gone" counts as success, and every handle is passed to
 * the {@link HandleSink} the moment it exists (names fixed in advance, before the device is
 * created) and again when it is gone, so the caller can persist each step. A failed
 * {@code prepare} undoes what it created before it throws.
 */
public interface RootDisk {
  RootDiskStrategy strategy();

  /**
   * Makes the disk ready for one boot. When {@code current} already describes an active disk for
   * this VM it is returned unchanged; leftovers of an earlier failed attempt are released first.
   */
  PreparedDisk prepare(DiskSpec spec, VmHandles current, HandleSink sink);

  /** True when every kernel resource {@code handles} records exists and belongs to this VM. */
  boolean isActive(DiskSpec spec, VmHandles handles);

  /** Removes the per-boot kernel resources; the per-VM file stays. */
  void release(DiskSpec spec, VmHandles handles, HandleSink sink);

  /** Removes the per-VM file. Call only after {@link #release}. */
  void delete(DiskSpec spec);
}
