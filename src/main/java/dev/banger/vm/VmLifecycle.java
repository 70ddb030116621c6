package dev.banger.vm;

import dev.banger.error.BangerException;
import dev.banger.guest.ContainerInit;
import dev.banger.guest.GuestDiskWriter;
import dev.banger.metrics.BangerMetrics;
import dev.banger.model.Catalog;
import dev.banger.model.Catalog.ImageRef;
import dev.banger.model.Catalog.KernelRef;
import dev.banger.model.GuestSetup;
import dev.banger.model.HandleSink;
import dev.banger.model.VmHandles;
import dev.banger.model.VmRuntime;
import dev.banger.model.VmSpec;
import dev.banger.model.VmState;
import dev.banger.network.GuestNetwork;
import dev.banger.network.Network;
import dev.banger.network.NetworkMode;
import dev.banger.rootdisk.DiskSpec;
import dev.banger.rootdisk.PreparedDisk;
import dev.banger.rootdisk.RootDisk;
import dev.banger.rootdisk.RootDiskStrategy;
import dev.banger.rootdisk.RootDisks;
import dev.banger.store.VmRepository;
import dev.banger.store.VmRepository.VmRow;
import dev.banger.vm.StepStack.StepFailedException;
import dev.banger.vmm.Accel;
import dev.banger.vmm.BootConfig;
import dev.banger.vmm.JailCleanup;
import dev.banger.vmm.LaunchSpec;
import dev.banger.vmm.ProcessIdentity;
import dev.banger.vmm.Vmm;
import dev.banger.vmm.VmmExit;
import dev.banger.vmm.VmmProcess;
import dev.banger.vmm.VmmSandbox;
import dev.banger.vmm.accel.Acceleration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and stops VMs (DESIGN.md, "Lifecycle and crash safety"). Start is a list of named steps
 * — disk.prepare, net.tap, guest.setup, vmm.jail (a VMM that sandboxes), vmm.spawn, vmm.configure,
 * vmm.boot — each recording its handles (cache, handles.json, mirror) before the next; a failure
 * unwinds what exists, in reverse. Teardown always runs in one fixed, idempotent order: VMM, jail,
 * tap, disk, API socket, then the recovery state is cleared. Commands on one VM are serialised by
 * its lock; different VMs run in parallel.
 */
public final class VmLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(VmLifecycle.class);
  private static final int CONSOLE_TAIL_LINES = 20;

  /**
   * Daemon-wide settings for starting VMMs.
   *
   * @param netns the network namespace VMMs run in, or null
   * @param stopTimeout how long a graceful stop may take before SIGKILL
   */
  public record Options(String netns, Duration stopTimeout) {}

  private final VmRepository repo;
  private final Catalog catalog;
  private final RootDisks disks;
  private final Network network;
  private final Map<String, Vmm> vmms;
  private final Options options;
  private final VmRecorder recorder;
  private final FirstBootSetup firstBoot;
  private final ContainerSetup containerSetup;
  private final GuestExit guestExit;
  private final Acceleration acceleration;
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
  private final Map<String, VmmProcess> live = new ConcurrentHashMap<>();
  private final RemovedVms removed = new RemovedVms();

  public VmLifecycle(VmRepository repo, Catalog catalog, RootDisks disks, Network network, Map<String, Vmm> vmms,
      GuestDiskWriter guestWriter, Acceleration acceleration, Options options) {
    this.repo = repo;
    this.catalog = catalog;
    this.disks = disks;
    this.network = network;
    this.vmms = Map.copyOf(vmms);
    this.options = options;
    this.recorder = new VmRecorder(repo);
    this.firstBoot = new FirstBootSetup(repo, guestWriter);
    this.containerSetup = new ContainerSetup(guestWriter, ContainerInit.load());
    this.guestExit = new GuestExit(guestWriter);
    this.acceleration = acceleration;
  }

  /** Runs {@code work} holding the VM's lock. */
  <T> T locked(String vmId, java.util.function.Supplier<T> work) {
    ReentrantLock lock = locks.computeIfAbsent(vmId, id -> new ReentrantLock());
    lock.lock();
    try {
      return work.get();
    } finally {
      lock.unlock();
    }
  }

  /** The network namespace VMMs run in, or null for the host's. */
  String netns() {
    return options.netns();
  }

  VmRecorder recorder() {
    return recorder;
  }

  Network network() {
    return network;
  }

  /** Marks a VMM as this VM's live process (reconcile adopting a running VM). */
  void adoptLive(String vmId, VmmProcess process) {
    live.put(vmId, process);
  }

  /** The ids of VMs whose VMM this daemon is watching. */
  java.util.Set<String> liveIds() {
    return java.util.Set.copyOf(live.keySet());
  }

  /** What is still known of a VM that --rm removed in the last minute (see {@link RemovedVms}). */
  Optional<RemovedVms.Removed> removed(String nameOrId) {
    return removed.find(nameOrId);
  }

  /** A new VM takes a removed one's name: the old one's last words are no longer its. */
  void forgetRemoved(String name) {
    removed.forget(name);
  }

  public VmHandles handles(String vmId) {
    return recorder.current(vmId);
  }

  /** Starts a created, stopped or failed VM; on failure it ends in {@code error} holding nothing. */
  public VmRow start(String vmId) {
    return locked(vmId, () -> {
      VmRow row = row(vmId);
      VmState state = row.runtime().state();
      if (state == VmState.RUNNING || state == VmState.STARTING) {
        throw BangerException.precondition("VM '" + row.runtime().name() + "' is already " + state.wire());
      }
      if (state == VmState.ERROR || state == VmState.STOPPING) {
        teardown(row);
      }
      Vmm vmm = vmmFor(row.spec());
      // Decided before any side effect: a VMM that needs KVM where it cannot run guests is refused here.
      Accel accel = accel(vmm, kernelOf(row));
      repo.updateRuntime(row(vmId).runtime().withAccel(accel.wire()).withExit(null, null)
          .withBoot(VmNames.newId(), consoleSize(row.runtime())));
      setState(vmId, VmState.STARTING, null);
      StepStack steps = new StepStack(vmId);
      try {
        boot(row, vmm, accel, steps);
      } catch (StepFailedException e) {
        List<String> undoFailures = steps.unwind();
        String reason = "start failed at " + e.step() + ": " + rootMessage(e) + consoleTail(row.runtime());
        if (undoFailures.isEmpty() && recorder.current(vmId).holdsNothing()) {
          recorder.clear(vmId);
        } else {
          reason += "; cleanup incomplete (" + String.join("; ", undoFailures) + "), the next reconcile retries it";
        }
        setState(vmId, VmState.ERROR, reason);
        throw BangerException.precondition("VM '" + row.runtime().name() + "': " + reason);
      }
      return row(vmId);
    });
  }

  private void boot(VmRow row, Vmm vmm, Accel accel, StepStack steps) throws StepFailedException {
    String id = row.runtime().id();
    HandleSink sink = recorder.sinkFor(id);
    DiskSpec diskSpec = diskSpec(row);
    RootDisk disk = diskFor(row.runtime());
    PreparedDisk[] prepared = new PreparedDisk[1];
    steps.run("disk.prepare",
        () -> {
          recordStrategy(id, disk.strategy());
          prepared[0] = disk.prepare(diskSpec, recorder.current(id), sink);
        },
        () -> disk.release(diskSpec, recorder.current(id), sink));
    GuestNetwork[] guest = new GuestNetwork[1];
    NetworkMode mode = NetworkMode.fromWire(row.spec().network());
    steps.run("net.tap",
        () -> {
          guest[0] = network.attach(id, mode, row.spec().ports(), sink);
          recordAddress(id, guest[0]);
        },
        () -> network.detach(id, sink));
    // Files are written while no VMM has the disk open; there is nothing to undo (see FirstBootSetup).
    steps.run("guest.setup", () -> firstBoot.run(id, row.spec().sshKey(), diskSpec, prepared[0], guest[0]), () -> {});
    if (row.spec().containerMode()) {
      steps.run("guest.init", () -> containerSetup.run(row.spec(), row(id).runtime(), imageOf(row).config(),
          prepared[0].device(), vmm.kind().equals("qemu")), () -> {});
    }
    BootConfig[] config = new BootConfig[1];
    if (vmm instanceof VmmSandbox sandbox) {
      // The VMM's jail, when its VMM jails (a no-op otherwise); undone from the recorded handles.
      steps.run("vmm.jail",
          () -> {
            config[0] = bootConfig(row, accel, prepared[0], guest[0]);
            sandbox.prepare(launchSpec(row), config[0], sink);
          },
          () -> JailCleanup.remove(id, recorder.current(id), sink));
    }
    VmmProcess[] process = new VmmProcess[1];
    steps.run("vmm.spawn",
        () -> {
          if (config[0] == null) {
            config[0] = bootConfig(row, accel, prepared[0], guest[0]);
          }
          // Asked after the jail step: a jailed VMM is reached inside its jail.
          process[0] = vmm.launch(launchSpec(row), config[0]);
          ProcessIdentity who = process[0].identity();
          sink.apply(h -> h.withProcess(who.pid(), who.startTime()));
          live.put(id, process[0]);
        },
        () -> {
          vmm.kill(process[0]);
          process[0].awaitExit(Duration.ofSeconds(10));
          live.remove(id, process[0]);
          sink.apply(h -> h.withProcess(null, null));
        });
    steps.run("vmm.configure", () -> vmm.configure(process[0], config[0]), () -> {});
    // RUNNING is recorded as part of the boot step, before its crash point: a daemon that dies
    // after this adopts the VM, one that dies earlier (state still STARTING) tears it down.
    steps.run("vmm.boot",
        () -> {
          vmm.boot(process[0]);
          repo.updateRuntime(row(id).runtime().withState(VmState.RUNNING, null).withStartedAt(Instant.now()));
        },
        () -> {});
    watch(id, process[0]);
  }

  /** Stops a VM: graceful (or SIGKILL with {@code force}), then the fixed teardown. Idempotent. */
  public VmRow stop(String vmId, Duration timeout, boolean force) {
    return locked(vmId, () -> {
      VmRow row = row(vmId);
      if (row.runtime().state() == VmState.CREATED || row.runtime().state() == VmState.STOPPED) {
        if (recorder.current(vmId).holdsNothing()) {
          return row;
        }
      }
      boolean wasRunning = row.runtime().state() == VmState.RUNNING;
      setState(vmId, VmState.STOPPING, null);
      VmmProcess process = process(row);
      boolean killed = false;
      long t0 = System.nanoTime();
      if (process != null) {
        CrashPoints.reach("stop.vmm.before");
        Vmm vmm = vmmFor(row.spec());
        if (force) {
          killed = vmm.kill(process);
          process.awaitExit(Duration.ofSeconds(10));
        } else {
          killed = vmm.stop(process, timeout == null ? options.stopTimeout() : timeout).forced();
        }
        CrashPoints.reach("stop.vmm.after");
        BangerMetrics.stopStep("vmm.stop", System.nanoTime() - t0);
      }
      // Only a boot that ran has an ending to tell; a failed start keeps its own reason.
      GuestExit.Outcome outcome = wasRunning && process != null && !process.isAlive()
          ? guestExit.decide(row(vmId).runtime(), row.spec().containerMode(), attachedDisk(row(vmId)), killed)
          : new GuestExit.Stopped();
      long t1 = System.nanoTime();
      List<String> failures = teardown(row(vmId));
      BangerMetrics.stopStep("teardown", System.nanoTime() - t1);
      if (!failures.isEmpty()) {
        String reason = "stop incomplete: " + String.join("; ", failures);
        setState(vmId, VmState.ERROR, reason);
        throw BangerException.internal("VM '" + row.runtime().name() + "': " + reason + "; the next reconcile retries it", null);
      }
      record(vmId, outcome);
      VmRow stopped = row(vmId);
      if (Boolean.TRUE.equals(stopped.spec().autoRemove())) {
        // Only a stop that ended a boot has last words; a delete's clean-up stop must not replace them.
        if (wasRunning) {
          removed.remember(stopped.runtime());
        }
        delete(vmId, false);
      }
      return stopped;
    });
  }

  /** Removes the VM's disk file, lease, directory and row; refuses a running VM unless forced. */
  public void delete(String vmId, boolean force) {
    locked(vmId, () -> {
      VmRow row = row(vmId);
      VmState state = row.runtime().state();
      boolean active = state == VmState.RUNNING || state == VmState.STARTING || state == VmState.STOPPING;
      if (active && !force) {
        throw BangerException.precondition("VM '" + row.runtime().name() + "' is " + state.wire() + "; stop it first or use `banger rm -f`");
      }
      if (active || !recorder.current(vmId).holdsNothing() || state == VmState.ERROR) {
        stop(vmId, options.stopTimeout(), true);
        if (repo.findById(vmId).isEmpty()) {
          return null; // a --rm VM: the stop removed it
        }
      }
      VmRow stopped = row(vmId);
      // Should a crash leave the row without its disk, the next start makes a fresh disk: it needs its files again.
      repo.updateRuntime(stopped.runtime().withGuestSetup(GuestSetup.PENDING));
      diskFor(stopped.runtime()).delete(diskSpec(stopped));
      network.releaseLease(vmId);
      removeVmDir(Path.of(stopped.runtime().vmDir()), vmId);
      repo.delete(vmId);
      recorder.forget(vmId);
      locks.remove(vmId);
      return null;
    });
  }

  /**
   * The fixed teardown: VMM process, tap, disk, API socket, then the recovery state. Each step
   * treats "already gone" as success; returns what could not be removed (then the handles stay
   * recorded for the next reconcile).
   */
  List<String> teardown(VmRow row) {
    String id = row.runtime().id();
    HandleSink sink = recorder.sinkFor(id);
    List<String> failures = new ArrayList<>();
    VmHandles handles = recorder.current(id);
    if (handles.pid() != null) {
      VmmProcess process = process(row);
      if (process != null && process.isAlive()) {
        vmmFor(row.spec()).kill(process);
        if (process.awaitExit(Duration.ofSeconds(10)).isEmpty()) {
          failures.add("VMM " + process + " survived SIGKILL");
          return failures;
        }
      }
      live.remove(id);
      sink.apply(h -> h.withProcess(null, null));
    }
    CrashPoints.reach("stop.jail.before");
    try {
      JailCleanup.remove(id, recorder.current(id), sink);
    } catch (RuntimeException e) {
      failures.add("jail: " + e.getMessage());
    }
    CrashPoints.reach("stop.net.before");
    try {
      network.detach(id, sink);
    } catch (RuntimeException e) {
      failures.add("tap: " + e.getMessage());
    }
    CrashPoints.reach("stop.disk.before");
    try {
      diskFor(row.runtime()).release(diskSpec(row), recorder.current(id), sink);
    } catch (RuntimeException e) {
      failures.add("disk: " + e.getMessage());
    }
    try {
      Files.deleteIfExists(Path.of(row.runtime().apiSocket()));
    } catch (IOException e) {
      failures.add("API socket: " + e.getMessage());
    }
    CrashPoints.reach("stop.clear.before");
    if (failures.isEmpty() && recorder.current(id).holdsNothing()) {
      recorder.clear(id);
    }
    return failures;
  }

  /** Notices a VMM that ends on its own (guest poweroff, crash) and tears the VM down. */
  void watch(String vmId, VmmProcess process) {
    var unused = process.onExit().thenAcceptAsync(exit -> {
      try {
        onExit(vmId, process, exit);
      } catch (RuntimeException e) {
        LOG.atWarn().addKeyValue("vm", vmId).setCause(e).log("cleanup after VMM exit failed");
      }
    }, r -> Thread.ofVirtual().name("vm-exit-" + vmId).start(r));
  }

  private void onExit(String vmId, VmmProcess process, VmmExit exit) {
    locked(vmId, () -> {
      Optional<VmRow> found = repo.findById(vmId);
      if (found.isEmpty() || live.get(vmId) != process || found.get().runtime().state() != VmState.RUNNING) {
        return null; // A stop or delete is handling it.
      }
      LOG.atInfo().addKeyValue("vm", vmId).addKeyValue("exit", exit.describe()).log("VMM exited on its own");
      VmRow row = found.get();
      GuestExit.Outcome outcome = guestExit.decide(row.runtime(), row.spec().containerMode(), attachedDisk(row), false);
      if (outcome instanceof GuestExit.Stopped && !exit.clean()) {
        outcome = new GuestExit.Failed("VMM " + exit.describe(), null);
      }
      List<String> failures = teardown(row);
      if (!failures.isEmpty()) {
        setState(vmId, VmState.ERROR, "VMM " + exit.describe() + "; teardown incomplete: " + String.join("; ", failures));
        return null;
      }
      record(vmId, outcome);
      if (Boolean.TRUE.equals(row.spec().autoRemove())) {
        LOG.atInfo().addKeyValue("vm", vmId).log("removing VM started with --rm");
        removed.remember(row(vmId).runtime());
        delete(vmId, false);
      }
      return null;
    });
  }

  /** How the boot of a VM whose VMM is gone ended, from what it left (its disk still attached). */
  GuestExit.Outcome endOfBoot(VmRow row) {
    return guestExit.decide(row.runtime(), row.spec().containerMode(), attachedDisk(row), false);
  }

  /** Records how a boot ended: exited (with its code), stopped, or error with the reason and the console tail. */
  void record(String vmId, GuestExit.Outcome outcome) {
    VmRuntime runtime = row(vmId).runtime();
    switch (outcome) {
      case GuestExit.Exited exited -> repo.updateRuntime(runtime.withState(VmState.EXITED, null)
          .withExit(exited.code(), Instant.now()));
      case GuestExit.Failed failed -> repo.updateRuntime(runtime.withState(VmState.ERROR, failed.reason() + consoleTail(runtime))
          .withExit(failed.code(), failed.code() == null ? null : Instant.now()));
      case GuestExit.Stopped stopped -> repo.updateRuntime(runtime.withState(VmState.STOPPED, null));
    }
  }

  /**
   * The VM's root disk while its handles still hold it: the dm device, or the VM's own file
   * (copy strategy); null when nothing is attached.
   */
  private Path attachedDisk(VmRow row) {
    VmHandles handles = recorder.current(row.runtime().id());
    if (handles.dmDev() != null) {
      return Path.of(handles.dmDev());
    }
    boolean copy = RootDiskStrategy.COPY.wire().equals(row.runtime().rootdiskStrategy());
    return copy && row.runtime().cowPath() != null && Files.isRegularFile(Path.of(row.runtime().cowPath()))
        ? Path.of(row.runtime().cowPath()) : null;
  }

  private static long consoleSize(VmRuntime runtime) {
    try {
      return runtime.consoleLog() == null ? 0 : Files.size(Path.of(runtime.consoleLog()));
    } catch (IOException e) {
      return 0; // no log yet: this boot's output starts at its beginning
    }
  }

  private ImageRef imageOf(VmRow row) {
    return catalog.image(row.imageId())
        .orElseThrow(() -> BangerException.notFound("image " + row.imageId() + " of VM '" + row.runtime().name() + "' is gone"));
  }

  private VmmProcess process(VmRow row) {
    VmmProcess process = live.get(row.runtime().id());
    if (process != null) {
      return process;
    }
    LaunchSpec launch = launchSpec(row);
    Optional<ProcessIdentity> identity = ProcessIdentity.fromHandles(recorder.current(row.runtime().id()), launch.processMarker());
    return identity.flatMap(who -> vmmFor(row.spec()).adopt(who, launch)).orElse(null);
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

  private KernelRef kernelOf(VmRow row) {
    return catalog.kernel(row.kernelId())
        .orElseThrow(() -> BangerException.notFound("kernel " + row.kernelId() + " of VM '" + row.runtime().name() + "' is gone"));
  }

  private BootConfig bootConfig(VmRow row, Accel accel, PreparedDisk disk, GuestNetwork guest) {
    KernelRef kernel = kernelOf(row);
    Vmm vmm = vmmFor(row.spec());
    String kernelPath = vmm.bootsBzImage() && kernel.bzImagePath() != null ? kernel.bzImagePath() : kernel.vmlinuxPath();
    if (kernelPath == null) {
      throw BangerException.precondition("kernel '" + kernel.name() + "' has no image for " + vmm.kind()
          + "; import a bzImage or a Debian kernel package");
    }
    // The init chosen by the spec first, then the user's arguments, which may override it.
    String userArgs = (ContainerProcess.kernelArgs(row.spec()) + " " + row.spec().kernelArgs()).strip();
    String bootArgs = vmm.bootArgs(accel, guest.kernelArg(row.runtime().name()), userArgs);
    BootConfig config = new BootConfig(Path.of(kernelPath), kernel.initrdPath() == null ? null : Path.of(kernel.initrdPath()),
        bootArgs, disk.device(), false, null, null, row.spec().vcpus(), row.spec().memoryMib(), accel);
    return guest.mode() == NetworkMode.NONE ? config : config.withNetwork(guest.tap(), guest.mac());
  }

  DiskSpec diskSpec(VmRow row) {
    ImageRef image = catalog.image(row.imageId())
        .orElseThrow(() -> BangerException.notFound("image " + row.imageId() + " of VM '" + row.runtime().name() + "' is gone"));
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
    LaunchSpec base = LaunchSpec.of(runtime.id(), Path.of(runtime.vmDir())).withApiSocket(Path.of(runtime.apiSocket()))
        .withNetns(options.netns());
    return vmmFor(row.spec()).launchSpec(base, recorder.current(runtime.id()));
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

  private void recordStrategy(String vmId, RootDiskStrategy strategy) {
    VmRuntime r = row(vmId).runtime();
    if (r.rootdiskStrategy() == null) {
      repo.updateRuntime(r.withRootdiskStrategy(strategy.wire()));
    }
  }

  private void recordAddress(String vmId, GuestNetwork guest) {
    repo.updateRuntime(row(vmId).runtime().withAddress(guest.ip(), guest.mac()));
  }

  void setState(String vmId, VmState state, String error) {
    repo.updateRuntime(row(vmId).runtime().withState(state, error));
  }

  private VmRow row(String vmId) {
    return repo.findById(vmId).orElseThrow(() -> BangerException.notFound("no VM with id " + vmId));
  }

  /** Deletes a VM directory: renamed to rm-&lt;id&gt; first, so a crash mid-way leaves a name a sweep knows. */
  private static void removeVmDir(Path vmDir, String vmId) {
    if (!Files.exists(vmDir)) {
      return;
    }
    Path doomed = vmDir.resolveSibling("rm-" + vmId);
    try {
      Files.move(vmDir, doomed);
      try (var walk = Files.walk(doomed)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    } catch (IOException e) {
      throw BangerException.internal("cannot remove VM directory " + vmDir + ": " + e.getMessage(), e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable cause = e.getCause() == null ? e : e.getCause();
    return String.valueOf(cause.getMessage());
  }

  /** The last lines of the serial console, so a failed boot explains itself. */
  static String consoleTail(VmRuntime runtime) {
    if (runtime.consoleLog() == null) {
      return "";
    }
    try {
      List<String> lines = Files.readAllLines(Path.of(runtime.consoleLog()), java.nio.charset.StandardCharsets.UTF_8);
      if (lines.isEmpty()) {
        return "";
      }
      List<String> tail = lines.subList(Math.max(0, lines.size() - CONSOLE_TAIL_LINES), lines.size());
      return "\n--- last console lines ---\n" + String.join("\n", tail).replace(dev.banger.guest.ReadyMarker.TEXT, "");
    } catch (IOException | java.io.UncheckedIOException e) {
      return "";
    }
  }
}
