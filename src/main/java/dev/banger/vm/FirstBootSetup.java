package dev.banger.vm;

import dev.banger.guest.GuestPath;
import dev.banger.model.VmSpec;
import dev.banger.volume.AttachedVolume;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.banger.error.BangerException;
import dev.banger.guest.GuestDiskWriter;
import dev.banger.guest.GuestFiles;
import dev.banger.model.GuestSetup;
import dev.banger.model.VmRuntime;
import dev.banger.network.GuestNetwork;
import dev.banger.rootdisk.DiskSpec;
import dev.banger.rootdisk.PreparedDisk;
import dev.banger.store.VmRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code guest.setup} start step: writes the VM's hostname, hosts, resolv.conf and ssh keys
 * into its own root disk, once, before its first boot.
 *
 * <p>Only before the first boot, not at every start: the guest owns its files after that, so a
 * user's edits (another resolver, more keys) survive restarts, and nothing goes stale because the
 * name is fixed and the address lease is kept until the VM is deleted. It also means debugfs only
 * ever writes a file system that no kernel has mounted, whose journal is empty.
 *
 * <p>Crash safety: {@code writing} is recorded before the disk is touched and {@code done} after
 * it was read back. A start that finds {@code writing} knows an earlier write was cut short (a
 * debugfs killed half-way can leave the file system inconsistent), repairs the disk with e2fsck
 * and writes everything again: the write replaces whole files, so doing it twice is harmless.
 */
final class FirstBootSetup {
  private static final int MAX_FSTAB = 1 << 20;
  private static final Logger LOG = LoggerFactory.getLogger(FirstBootSetup.class);

  private final VmRepository repo;
  private final GuestDiskWriter writer;

  FirstBootSetup(VmRepository repo, GuestDiskWriter writer) {
    this.repo = repo;
    this.writer = writer;
  }

  void run(String vmId, VmSpec vm, DiskSpec spec, PreparedDisk disk, GuestNetwork guest, List<AttachedVolume> volumes)
      throws IOException {
    String authorizedKeys = vm.sshKey();
    VmRuntime runtime = runtime(vmId);
    if (runtime.guestSetup() == GuestSetup.DONE) {
      return;
    }
    Path device = disk.device();
    refuseSharedImage(device, spec.image());
    if (runtime.guestSetup() == GuestSetup.WRITING) {
      LOG.atWarn().addKeyValue("vm", vmId).addKeyValue("disk", device).log("an earlier guest setup was interrupted; repairing the disk first");
      writer.repair(device);
    } else {
      repo.updateRuntime(runtime.withGuestSetup(GuestSetup.WRITING));
    }
    CrashPoints.reach(CrashPoint.START_GUEST_SETUP_WRITING);
    GuestFiles.Identity identity = new GuestFiles.Identity(runtime.name(), guest.ip(), guest.dns(), authorizedKeys);
    Path vmDir = dev.banger.host.PrivateFiles.directories(Path.of(runtime.vmDir()));
    List<GuestPath> files = new ArrayList<>(GuestFiles.forFirstBoot(identity));
    if (!vm.containerMode() && !volumes.isEmpty()) {
      // An image's own init mounts what fstab says; banger's init mounts volumes itself.
      String fstab = writer.read(device, "/etc/fstab", MAX_FSTAB, vmDir).map(b -> new String(b, StandardCharsets.UTF_8)).orElse("");
      files.addAll(dev.banger.volume.VolumeFstab.entries(fstab, volumes));
    }
    writer.write(device, files, vmDir);
    repo.updateRuntime(runtime(vmId).withGuestSetup(GuestSetup.DONE));
  }

  /** Belt and braces: the root disk strategies never hand out the image itself, and this proves it. */
  private static void refuseSharedImage(Path device, Path image) throws IOException {
    if (device.toAbsolutePath().normalize().equals(image.toAbsolutePath().normalize())
        || (Files.exists(device) && Files.exists(image) && Files.isSameFile(device, image))) {
      throw BangerException.internal("refusing to write guest files into " + device + ": it is the shared image " + image, null);
    }
  }

  private VmRuntime runtime(String vmId) {
    return repo.findById(vmId).orElseThrow(() -> BangerException.notFound("no VM with id " + vmId)).runtime();
  }
}
