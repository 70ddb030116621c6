package dev.banger.vm;

import dev.banger.error.BangerException;
import dev.banger.model.Catalog;
import dev.banger.model.Catalog.ImageRef;
import dev.banger.model.Catalog.KernelRef;
import dev.banger.model.VmHandles;
import dev.banger.model.VmRuntime;
import dev.banger.model.VmSpec;
import dev.banger.network.GuestNetwork;
import dev.banger.network.NetworkMode;
import dev.banger.rootdisk.DiskSpec;
import dev.banger.rootdisk.PreparedDisk;
import dev.banger.rootdisk.RootDisk;
import dev.banger.rootdisk.RootDiskStrategy;
import dev.banger.rootdisk.RootDisks;
import dev.banger.store.VmRepository.VmRow;
import dev.banger.vmm.Accel;
import dev.banger.vmm.BootConfig;
import dev.banger.vmm.LaunchSpec;
import dev.banger.vmm.Vmm;
import dev.banger.vmm.accel.Acceleration;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

/**
 * What a VM row resolves to: its image and kernel in the catalog, its root disk strategy and
 * disk spec, its VMM and how that VMM is reached, what it runs under, and its boot config. Reads
 * only; start, stop and reconcile ({@link VmLifecycle}, {@link Reconciler}) act on the answers.
 */
final class VmResources {
  private final Catalog catalog;
  private final RootDisks disks;
  private final Map<String, Vmm> vmms;
  private final String netns;
  private final Acceleration acceleration;
  private final Function<String, VmHandles> handles;
  private final VmLimits limits;

  /**
   * @param netns the network namespace VMMs run in, or null
   * @param handles the current handles of a VM by id (a jailed VMM is reached inside its jail)
   */
  VmResources(Catalog catalog, RootDisks disks, Map<String, Vmm> vmms, String netns, Acceleration acceleration,
      Function<String, VmHandles> handles, VmLimits limits) {
    this.limits = limits;
    this.catalog = catalog;
    this.disks = disks;
    this.vmms = Map.copyOf(vmms);
    this.netns = netns;
    this.acceleration = acceleration;
    this.handles = handles;
  }

  ImageRef imageOf(VmRow row) {
    return catalog.image(row.imageId())
        .orElseThrow(() -> BangerException.notFound("image " + row.imageId() + " of VM '" + row.runtime().name() + "' is gone"));
  }

  KernelRef kernelOf(VmRow row) {
    return catalog.kernel(row.kernelId())
        .orElseThrow(() -> BangerException.notFound("kernel " + row.kernelId() + " of VM '" + row.runtime().name() + "' is gone"));
  }

  /** What a VM of {@code vmm} booting {@code kernel} runs under (see {@link Acceleration#decide}). */
  Accel accel(Vmm vmm, KernelRef kernel) {
    return acceleration.decide(probeKernel(kernel), vmm.kind(), vmm.canEmulate());
  }

  /** True when guests of {@code kernel} can run under KVM here (the setting, or the probe's verdict). */
  boolean kvmUsable(KernelRef kernel) {
    return acceleration.kvm(probeKernel(kernel)).usable();
  }

  /** The file the acceleration probe boots for this kernel: QEMU loads the bzImage, or else the vmlinux. */
  private static Path probeKernel(KernelRef kernel) {
    String file = kernel.bzImagePath() != null ? kernel.bzImagePath() : kernel.vmlinuxPath();
    if (file == null) {
      throw BangerException.precondition("kernel '" + kernel.name() + "' has no image file; import it again");
    }
    return Path.of(file);
  }

  /** The kernel image the VM's VMM boots: the bzImage where it loads one, else the vmlinux. */
  Path kernelFile(VmRow row) {
    KernelRef kernel = kernelOf(row);
    Vmm vmm = vmmFor(row.spec());
    String kernelPath = vmm.bootsBzImage() && kernel.bzImagePath() != null ? kernel.bzImagePath() : kernel.vmlinuxPath();
    if (kernelPath == null) {
      throw BangerException.precondition("kernel '" + kernel.name() + "' has no image for " + vmm.kind()
          + "; import a bzImage or a Debian kernel package");
    }
    return Path.of(kernelPath);
  }

  BootConfig bootConfig(VmRow row, Accel accel, PreparedDisk disk, GuestNetwork guest,
      java.util.List<dev.banger.volume.AttachedVolume> volumes) {
    KernelRef kernel = kernelOf(row);
    Vmm vmm = vmmFor(row.spec());
    Path kernelPath = kernelFile(row);
    // The init chosen by the spec first, then the user's arguments, which may override it.
    String userArgs = (ContainerProcess.kernelArgs(row.spec(), AgentChoice.firstStage(row.runtime())) + " " + row.spec().kernelArgs()).strip();
    String bootArgs = vmm.bootArgs(accel, guest.kernelArg(row.runtime().name()), userArgs);
    BootConfig config = new BootConfig(kernelPath, kernel.initrdPath() == null ? null : Path.of(kernel.initrdPath()),
        bootArgs, disk.device(), false, null, null, row.spec().vcpus(), row.spec().memoryMib(), accel)
        .withDrives(volumes.stream().map(v -> new dev.banger.vmm.ExtraDrive(v.file(), v.readOnly(), v.driveId())).toList());
    return guest.mode() == NetworkMode.NONE ? config : config.withNetwork(guest.tap(), guest.mac());
  }

  RootDisks disks() {
    return disks;
  }

  DiskSpec diskSpec(VmRow row) {
    ImageRef image = imageOf(row);
    return new DiskSpec(row.runtime().id(), Path.of(image.rootfsPath()), Path.of(row.runtime().cowPath()), row.spec().diskSizeBytes());
  }

  RootDisk diskFor(VmRuntime runtime) {
    return runtime.rootdiskStrategy() == null
        ? disks.forDefault()
        : disks.forStrategy(RootDiskStrategy.fromWire(runtime.rootdiskStrategy()));
  }

  /** How the VM's VMM is reached: by its directory's socket, or inside its jail when the handles record one. */
  LaunchSpec launchSpec(VmRow row) {
    VmRuntime runtime = row.runtime();
    VmHandles current = handles.apply(runtime.id());
    LaunchSpec base = LaunchSpec.of(runtime.id(), Path.of(runtime.vmDir())).withApiSocket(Path.of(runtime.apiSocket()))
        .withNetns(netns).withConsoleLimits(limits.consoleLogMaxBytes(), limits.consoleLogKeep())
        .withCgroup(limits.cgroupOf(runtime.id(), current));
    return vmmFor(row.spec()).launchSpec(base, current);
  }

  /** The VMMs this daemon runs, by kind. */
  Map<String, Vmm> vmms() {
    return vmms;
  }

  Vmm vmmFor(VmSpec spec) {
    return vmmFor(spec.vmm());
  }

  Vmm vmmFor(String kind) {
    Vmm vmm = vmms.get(kind);
    if (vmm == null) {
      throw BangerException.precondition("VMM '" + kind + "' is not available on this daemon (available: " + vmms.keySet() + ")");
    }
    return vmm;
  }
}
