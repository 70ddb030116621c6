package dev.banger.vmm;

import dev.banger.error.BangerException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What the guest boots: the machine, the kernel and its command line, the root disk and the
 * network interface. Built by the VM lifecycle from the VmSpec and the handles it created.
 *
 * @param kernel the uncompressed kernel (vmlinux for Firecracker)
 * @param initrd an initrd, or null
 * @param bootArgs the complete kernel command line, see {@link BootArgs}
 * @param rootfs the root disk: a dm device or a per-VM file
 * @param rootReadOnly whether the guest sees the root disk read-only
 * @param tap the host tap device, or null for no network
 * @param guestMac the guest's MAC (xx:xx:xx:xx:xx:xx), required with a tap
 * @param vcpus virtual CPUs, 1-32
 * @param memoryMib guest memory in MiB, at least 1
 * @param accel how the vCPUs run: decided per start by {@link dev.banger.vmm.accel.Acceleration};
 *     Firecracker always runs under KVM, QEMU either way
 * @param drives the block devices after the root disk (volumes), in order; empty for none
 * @param mmds what Firecracker's metadata service serves the guest (V2, through the network
 *     interface), or null for no MMDS; other VMMs ignore it
 */
public record BootConfig(
    Path kernel,
    Path initrd,
    String bootArgs,
    Path rootfs,
    boolean rootReadOnly,
    String tap,
    String guestMac,
    int vcpus,
    long memoryMib,
    Accel accel,
    java.util.List<ExtraDrive> drives,
    java.util.Map<String, Object> mmds) {

  private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");
  private static final Pattern TAP = Pattern.compile("[A-Za-z0-9_.-]{1,15}");

  public BootConfig {
    Objects.requireNonNull(kernel, "kernel");
    Objects.requireNonNull(bootArgs, "bootArgs");
    Objects.requireNonNull(rootfs, "rootfs");
    Objects.requireNonNull(accel, "accel");
    drives = drives == null ? java.util.List.of() : java.util.List.copyOf(drives);
    mmds = mmds == null ? null : java.util.Map.copyOf(mmds);
    if (vcpus < 1 || vcpus > 32) {
      throw BangerException.invalid("a VM needs 1 to 32 vCPUs, got " + vcpus);
    }
    if (memoryMib < 1) {
      throw BangerException.invalid("a VM needs memory, got " + memoryMib + " MiB");
    }
    if (tap != null && !TAP.matcher(tap).matches()) {
      throw BangerException.invalid("tap name '" + tap + "' is not a valid interface name");
    }
    if (tap != null && (guestMac == null || !MAC.matcher(guestMac).matches())) {
      throw BangerException.invalid("guest MAC '" + guestMac + "' is not of the form xx:xx:xx:xx:xx:xx");
    }
    if (tap == null && guestMac != null) {
      throw BangerException.invalid("a guest MAC was given without a tap device");
    }
  }

  /** Without extra drives. */
  public BootConfig(Path kernel, Path initrd, String bootArgs, Path rootfs, boolean rootReadOnly, String tap,
      String guestMac, int vcpus, long memoryMib, Accel accel) {
    this(kernel, initrd, bootArgs, rootfs, rootReadOnly, tap, guestMac, vcpus, memoryMib, accel, java.util.List.of(), null);
  }

  /** Under KVM, as Firecracker always runs (QEMU callers say which with {@link #withAccel}). */
  public BootConfig(Path kernel, Path initrd, String bootArgs, Path rootfs, boolean rootReadOnly, String tap,
      String guestMac, int vcpus, long memoryMib) {
    this(kernel, initrd, bootArgs, rootfs, rootReadOnly, tap, guestMac, vcpus, memoryMib, Accel.KVM);
  }

  public BootConfig withNetwork(String tapDevice, String mac) {
    return new BootConfig(kernel, initrd, bootArgs, rootfs, rootReadOnly, tapDevice, mac, vcpus, memoryMib, accel, drives, mmds);
  }

  public BootConfig withInitrd(Path initrdPath) {
    return new BootConfig(kernel, initrdPath, bootArgs, rootfs, rootReadOnly, tap, guestMac, vcpus, memoryMib, accel, drives, mmds);
  }

  public BootConfig withAccel(Accel value) {
    return new BootConfig(kernel, initrd, bootArgs, rootfs, rootReadOnly, tap, guestMac, vcpus, memoryMib, value, drives, mmds);
  }

  public BootConfig withDrives(java.util.List<ExtraDrive> value) {
    return new BootConfig(kernel, initrd, bootArgs, rootfs, rootReadOnly, tap, guestMac, vcpus, memoryMib, accel, value, mmds);
  }

  public BootConfig withMmds(java.util.Map<String, Object> value) {
    return new BootConfig(kernel, initrd, bootArgs, rootfs, rootReadOnly, tap, guestMac, vcpus, memoryMib, accel, drives, value);
  }

  public boolean hasNetwork() {
    return tap != null;
  }
}
