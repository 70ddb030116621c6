package dev.banger.vm;

import dev.banger.error.BangerException;
import dev.banger.metadata.NoCloudSeed;
import dev.banger.model.HandleSink;
import dev.banger.model.VmRuntime;
import dev.banger.model.VmState;
import dev.banger.network.GuestNetwork;
import dev.banger.network.Network;
import dev.banger.network.NetworkMode;
import dev.banger.rootdisk.DiskSpec;
import dev.banger.rootdisk.PreparedDisk;
import dev.banger.rootdisk.RootDisk;
import dev.banger.rootdisk.RootDiskStrategy;
import dev.banger.store.VmRepository;
import dev.banger.store.VmRepository.VmRow;
import dev.banger.vm.StepStack.StepFailedException;
import dev.banger.vmm.Accel;
import dev.banger.vmm.BootConfig;
import dev.banger.vmm.JailCleanup;
import dev.banger.vmm.ProcessIdentity;
import dev.banger.vmm.Vmm;
import dev.banger.vmm.VmmProcess;
import dev.banger.vmm.VmmSandbox;
import dev.banger.volume.AttachedVolume;
import dev.banger.volume.VolumeMounts;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The steps of a start (STYLE.md 1): disk.prepare, volume.attach, net.tap, guest.setup, guest.init (container
 * mode), vmm.jail (a VMM that sandboxes), vmm.spawn, vmm.configure, vmm.boot — each recording its
 * handles before the next, each side effect pushed with its undo on the {@link StepStack}.
 * {@link VmLifecycle#start} decides what to boot, runs these under the VM's lock and unwinds on
 * failure.
 */
final class BootSteps {
  private final VmRepository repo;
  private final VmRecorder recorder;
  private final VmResources resources;
  private final Network network;
  private final FirstBootSetup firstBoot;
  private final ContainerSetup containerSetup;
  private final VolumeMounts volumes;
  private final NoCloudSeed seeds;
  private final LiveProcesses live;
  private final BiConsumer<String, VmmProcess> watch;
  private final VmLimits limits;

  BootSteps(VmRepository repo, VmRecorder recorder, VmResources resources, Network network, FirstBootSetup firstBoot,
      ContainerSetup containerSetup, VolumeMounts volumes, NoCloudSeed seeds, LiveProcesses live,
      BiConsumer<String, VmmProcess> watch, VmLimits limits) {
    this.limits = limits;
    this.volumes = volumes;
    this.seeds = seeds;
    this.repo = repo;
    this.recorder = recorder;
    this.resources = resources;
    this.network = network;
    this.firstBoot = firstBoot;
    this.containerSetup = containerSetup;
    this.live = live;
    this.watch = watch;
  }

  /** What one boot's steps hand to the later ones. */
  static final class Boot {
    PreparedDisk disk;
    GuestNetwork guest;
    BootConfig config;
    VmmProcess process;
    final List<AttachedVolume> volumes = new ArrayList<>();
  }

  void run(VmRow row, Vmm vmm, Accel accel, StepStack steps) throws StepFailedException {
    String id = row.runtime().id();
    HandleSink sink = recorder.sinkFor(id);
    DiskSpec diskSpec = resources.diskSpec(row);
    Boot boot = attach(row, steps);
    // Files are written while no VMM has the disk open; there is nothing to undo (see FirstBootSetup).
    steps.run(Step.GUEST_SETUP, () -> firstBoot.run(id, row.spec(), diskSpec, boot.disk, boot.guest, boot.volumes), () -> {});
    if (row.spec().containerMode()) {
      steps.run(Step.GUEST_INIT, () -> containerSetup.run(row.spec(), row(id).runtime(), resources.imageOf(row).config(),
          boot.disk.device(), vmm.kind().equals("qemu"), boot.volumes), () -> {});
    }
    if (vmm instanceof VmmSandbox sandbox) {
      // The VMM's jail, when its VMM jails (a no-op otherwise); undone from the recorded handles.
      steps.run(Step.VMM_JAIL,
          () -> {
            boot.config = bootConfig(row, accel, boot);
            sandbox.prepare(resources.launchSpec(row), boot.config, sink);
          },
          () -> JailCleanup.remove(id, recorder.current(id), sink));
    }
    cgroup(row, steps);
    steps.run(Step.VMM_SPAWN,
        () -> {
          if (boot.config == null) {
            boot.config = bootConfig(row, accel, boot);
          }
          // Asked after the jail step: a jailed VMM is reached inside its jail.
          boot.process = vmm.launch(resources.launchSpec(row), boot.config);
          ProcessIdentity who = boot.process.identity();
          sink.apply(h -> h.withProcess(who.pid(), who.startTime()));
          live.put(id, boot.process);
        },
        () -> {
          vmm.kill(boot.process);
          boot.process.awaitExit(Duration.ofSeconds(10));
          live.remove(id, boot.process);
          sink.apply(h -> h.withProcess(null, null));
        });
    // The VMM has opened its drives now and the guest has not run: check it holds the files that were checked.
    steps.run(Step.VMM_CONFIGURE,
        () -> {
          vmm.configure(boot.process, boot.config);
          volumes.verifyOpened(boot.process.identity().pid(), boot.volumes);
        },
        () -> {});
    // RUNNING is recorded as part of the boot step, before its crash point: a daemon that dies
    // after this adopts the VM, one that dies earlier (state still STARTING) tears it down.
    steps.run(Step.VMM_BOOT,
        () -> {
          vmm.boot(boot.process);
          repo.updateRuntime(row(id).runtime().withState(VmState.RUNNING, null).withStartedAt(Instant.now()));
        },
        () -> {});
    watch.accept(id, boot.process);
  }

  /**
   * The VMM's own cgroup ({@link VmLimits}): recorded, then made with its limits; the launch joins
   * it. A boot and a restore both run it just before the VMM is spawned.
   */
  void cgroup(VmRow row, StepStack steps) throws StepFailedException {
    String id = row.runtime().id();
    HandleSink sink = recorder.sinkFor(id);
    steps.run(Step.VMM_CGROUP, () -> limits.create(row, sink), () -> limits.remove(id, recorder.current(id), sink));
  }

  /**
   * The steps that give a VM its host resources — disk.prepare, volume.attach, net.tap — shared by a
   * boot and a restore of saved state ({@link VmSuspension}), which must not touch the disk's files.
   */
  Boot attach(VmRow row, StepStack steps) throws StepFailedException {
    String id = row.runtime().id();
    HandleSink sink = recorder.sinkFor(id);
    DiskSpec diskSpec = resources.diskSpec(row);
    RootDisk disk = resources.diskFor(row.runtime());
    Boot boot = new Boot();
    steps.run(Step.DISK_PREPARE,
        () -> {
          recordStrategy(id, disk.strategy());
          boot.disk = disk.prepare(diskSpec, recorder.current(id), sink);
        },
        () -> disk.release(diskSpec, recorder.current(id), sink));
    // The claims are the handle: recorded (in one transaction with the check) before any VMM opens a volume.
    steps.run(Step.VOLUME_ATTACH,
        () -> {
          boot.volumes.addAll(volumes.resolve(row.spec().volumes()));
          volumes.attach(id, boot.volumes);
        },
        () -> volumes.release(id));
    NetworkMode mode = NetworkMode.fromWire(row.spec().network());
    steps.run(Step.NET_TAP,
        () -> {
          boot.guest = network.attach(id, mode, row.spec().ports(), sink);
          repo.updateRuntime(row(id).runtime().withAddress(boot.guest.ip(), boot.guest.mac()));
        },
        () -> network.detach(id, sink));
    return boot;
  }

  /**
   * The boot config, with the cloud-init seed (made now, from the spec) and MMDS contents when the
   * VM has them; a restore uses it too, as the restored VMM needs the saved VM's very devices.
   */
  BootConfig bootConfig(VmRow row, Accel accel, Boot boot) {
    BootConfig config = resources.bootConfig(row, accel, boot.disk, boot.guest, boot.volumes);
    dev.banger.model.CloudInit data = row.spec().cloudInit();
    if (data == null) {
      return config;
    }
    VmRuntime r = row.runtime();
    java.nio.file.Path seed = seeds.build(java.nio.file.Path.of(r.vmDir()), data, r.id(), r.name());
    return NoCloudSeed.attach(config, seed, data, r.id(), r.name());
  }

  private void recordStrategy(String vmId, RootDiskStrategy strategy) {
    VmRuntime r = row(vmId).runtime();
    if (r.rootdiskStrategy() == null) {
      repo.updateRuntime(r.withRootdiskStrategy(strategy.wire()));
    }
  }

  private VmRow row(String vmId) {
    return repo.findById(vmId).orElseThrow(() -> BangerException.notFound("no VM with id " + vmId));
  }
}
