/**
 * Per-VM writable root disks over shared, read-only images.
 *
 * <p>Wiring (daemon start): {@code RootDisks disks = RootDisks.fromOption(rootdiskOption, runner)}
 * resolves {@code --rootdisk auto|dm|copy} once. A new VM records
 * {@code disks.defaultStrategy().wire()} in {@code VmRuntime.rootdiskStrategy}; every later call
 * for that VM uses {@code disks.forStrategy(RootDiskStrategy.fromWire(recorded))}.
 *
 * <p>Per VM: build a {@link dev.banger.rootdisk.DiskSpec} (VM id, image ext4, per-VM file under
 * the state directory, disk size), then {@code prepare} in the {@code disk.prepare} start step,
 * {@code release} in teardown (after the tap, before the API socket), {@code delete} on VM delete.
 * Pass a {@link dev.banger.model.HandleSink} that updates the cache, handles.json and the
 * VmRuntime mirror before it returns.
 *
 * <p>Reconcile: {@code isActive} checks recorded handles against the kernel; then
 * {@code new DiskSweep(runner, stateDir).sweep(held)} with every VM's recorded handles.
 */
package dev.banger.rootdisk;
