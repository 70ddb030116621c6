package dev.banger.vm;

import dev.banger.guest.ContainerInit;
import dev.banger.guest.GuestDiskWriter;
import dev.banger.guest.InitConfig;
import dev.banger.model.ImageConfig;
import dev.banger.model.VmRuntime;
import dev.banger.model.VmSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import dev.banger.volume.AttachedVolume;

/**
 * The {@code guest.init} start step of a container-mode VM: banger's init and this boot's config
 * go into the VM's own root disk ({@code /.banger}, see {@link ContainerInit} for why there), and
 * any earlier exit record goes. Unlike the first-boot files this runs before every boot, on a
 * file system a guest may have left unclean (killed by a stop's timeout): its journal is replayed
 * first, so debugfs never writes around pending journal blocks. Like guest.setup it runs while no
 * VMM has the disk open and has nothing to undo: a half-written /.banger is rewritten by the next start.
 */
final class ContainerSetup {
  private final GuestDiskWriter writer;
  private final ContainerInit.Binary binary;

  /** @param binary banger's init, read from the jar when the daemon starts (the jar may be replaced while it runs) */
  ContainerSetup(GuestDiskWriter writer, ContainerInit.Binary binary) {
    this.writer = writer;
    this.binary = binary;
  }

  /**
   * @param poweroff true when the VMM ends on a guest power-off (QEMU); Firecracker ends on a reboot
   */
  void run(VmSpec spec, VmRuntime runtime, ImageConfig image, Path device, boolean poweroff, List<AttachedVolume> volumes)
      throws IOException {
    InitConfig config = ContainerProcess.of(spec, image).initConfig(runtime.name(), runtime.bootId(), spec, poweroff)
        .withVolumes(volumes.stream().map(v -> new InitConfig.Volume(v.index(), v.readOnly(), v.guestPath())).toList());
    Path vmDir = Files.createDirectories(Path.of(runtime.vmDir()));
    // The host copy lives in the VM directory: no daemon-wide file to share or to go stale.
    ContainerInit init = ContainerInit.extractTo(vmDir, binary);
    writer.replayJournal(device);
    writer.write(device, init.entries(config), vmDir);
  }

  /**
   * The {@code guest.init} step of an image-mode VM: banger's init goes into {@code /.banger} as
   * the first stage that starts the agent and then execs the image's init (src/main/c/init/stage.c
   * says why a first stage), unless this VM cannot have it; the choice is recorded for this boot
   * ({@link AgentChoice}). Nothing of the image is changed but {@code /.banger}, banger's own.
   */
  void firstStage(VmSpec spec, VmRuntime runtime, Path device) throws IOException {
    String reason = AgentChoice.staticReason(spec);
    if (reason == null && !binary.present()) {
      reason = binary.missing();
    }
    if (reason != null) {
      AgentChoice.record(runtime, AgentChoice.Access.ssh(reason));
      return;
    }
    Path vmDir = Files.createDirectories(Path.of(runtime.vmDir()));
    ContainerInit init = ContainerInit.extractTo(vmDir, binary);
    writer.replayJournal(device);
    String next = spec.initPath() == null ? ContainerProcess.IMAGE_INIT : spec.initPath();
    writer.write(device, init.entries(InitConfig.firstStage(runtime.name(), runtime.bootId(), next)), vmDir);
    AgentChoice.record(runtime, new AgentChoice.Access(dev.banger.agent.GuestAccess.AGENT, null));
  }
}
