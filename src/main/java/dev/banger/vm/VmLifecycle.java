package dev.banger.vm;

import dev.banger.error.BangerException;
import dev.banger.guest.ContainerInit;
import dev.banger.guest.GuestDiskWriter;
import dev.banger.metrics.BangerMetrics;
import dev.banger.model.Catalog;
import dev.banger.model.GuestSetup;
import dev.banger.model.VmHandles;
import dev.banger.model.VmState;
import dev.banger.network.Network;
import dev.banger.rootdisk.RootDisks;
import dev.banger.store.VmRepository;
import dev.banger.store.VmRepository.VmRow;
import dev.banger.vm.StepStack.StepFailedException;
import dev.banger.vmm.Accel;
import dev.banger.vmm.Vmm;
import dev.banger.vmm.VmmProcess;
import dev.banger.vmm.accel.Acceleration;
import dev.banger.volume.AttachedVolume;
import dev.banger.volume.VolumeMounts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Starts and stops VMs (DESIGN.md, "Lifecycle and crash safety"). Start is a list of named steps
 * ({@link BootSteps}), each recording its handles (cache, handles.json, mirror) before the next; a
 * failure unwinds what exists, in reverse. Teardown always runs in one fixed, idempotent order
 * ({@link Teardown}). Commands on one VM are serialised by its lock; different VMs run in
 * parallel. What a row resolves to is {@link VmResources}'s; the watched VMMs are
 * {@link LiveProcesses}.
 */
public final class VmLifecycle {
  /**
   * Daemon-wide settings for starting VMMs.
   *
   * @param netns the network namespace VMMs run in, or null
   * @param stopTimeout how long a graceful stop may take before SIGKILL
   * @param limits each VMM's cgroup and the console log's rotation ({@link VmLimits})
   */
  public record Options(String netns, Duration stopTimeout, VmLimits limits) {
    public Options(String netns, Duration stopTimeout) {
      this(netns, stopTimeout, VmLimits.NONE);
    }
  }

  private final VmRepository repo;
  private final Network network;
  private final Options options;
  private final VmResources resources;
  private final LiveProcesses live;
  private final Teardown teardown;
  private final BootSteps bootSteps;
  private final VmRecorder recorder;
  private final BootEndings endings;
  private final VolumeMounts volumes;
  private final VmSuspension suspension;
  private final VmExits exits;
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
  private final RemovedVms removed = new RemovedVms();

  public VmLifecycle(VmRepository repo, Catalog catalog, RootDisks disks, Network network, Map<String, Vmm> vmms,
      GuestDiskWriter guestWriter, Acceleration acceleration, VolumeMounts volumes, dev.banger.metadata.NoCloudSeed seeds,
      Options options) {
    this.repo = repo;
    this.network = network;
    this.options = options;
    this.recorder = new VmRecorder(repo);
    this.resources = new VmResources(catalog, disks, vmms, options.netns(), acceleration, recorder::current, options.limits());
    this.live = new LiveProcesses(resources, recorder);
    this.volumes = volumes;
    this.teardown = new Teardown(recorder, resources, network, live, volumes);
    this.endings = new BootEndings(repo, recorder, new GuestExit(guestWriter));
    this.bootSteps = new BootSteps(repo, recorder, resources, network, new FirstBootSetup(repo, guestWriter),
        new ContainerSetup(guestWriter, ContainerInit.load()), volumes, seeds, live, this::watch,
        options.limits());
    this.suspension = new VmSuspension(this, repo, live, bootSteps);
    this.exits = new VmExits(this, repo, live, endings, removed);
  }

  /** Pause, resume, suspend and restore. */
  public VmSuspension suspension() {
    return suspension;
  }

  /** Each VMM's cgroup and the console logs' bounds. */
  VmLimits limits() {
    return options.limits();
  }

  VolumeMounts volumes() {
    return volumes;
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

  /** What a VM row resolves to (image, kernel, disk, VMM, boot config). */
  VmResources resources() {
    return resources;
  }

  Network network() {
    return network;
  }

  /** Marks a VMM as this VM's live process (reconcile adopting a running VM). */
  void adoptLive(String vmId, VmmProcess process) {
    live.put(vmId, process);
  }

  /** The VMM this daemon watches for a VM, or null. */
  VmmProcess liveProcess(VmRow row) {
    return live.of(row);
  }

  /** The ids of VMs whose VMM this daemon is watching. */
  java.util.Set<String> liveIds() {
    return live.ids();
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
      if (state == VmState.RUNNING || state == VmState.STARTING || state == VmState.PAUSED) {
        throw BangerException.precondition("VM '" + row.runtime().name() + "' is already " + state.wire()
            + (state == VmState.PAUSED ? " (`banger resume` lets it run)" : ""));
      }
      if (state == VmState.SUSPENDED) {
        return suspension.restore(row);
      }
      if (state == VmState.ERROR || state == VmState.STOPPING) {
        teardown(row);
      }
      Vmm vmm = resources.vmmFor(row.spec());
      // Decided before any side effect: a kernel without an image this VMM boots, and a VMM that
      // needs KVM where it cannot run guests, are refused here.
      resources.kernelFile(row);
      Accel accel = resources.accel(vmm, resources.kernelOf(row));
      repo.updateRuntime(row(vmId).runtime().withAccel(accel.wire()).withExit(null, null)
          .withBoot(VmNames.newId(), ConsoleTail.size(row.runtime())));
      setState(vmId, VmState.STARTING, null);
      StepStack steps = new StepStack(vmId);
      try {
        bootSteps.run(row, vmm, accel, steps);
      } catch (StepFailedException e) {
        List<String> undoFailures = steps.unwind();
        String reason = "start failed at " + e.step() + ": " + rootMessage(e) + ConsoleTail.of(row.runtime());
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

  /** Stops a VM: graceful (or SIGKILL with {@code force}), then the fixed teardown. Idempotent. */
  public VmRow stop(String vmId, Duration timeout, boolean force) {
    return locked(vmId, () -> {
      VmRow row = row(vmId);
      VmState before = row.runtime().state();
      boolean idle = before == VmState.CREATED || before == VmState.STOPPED;
      if (suspension.discardForStop(row) || (idle && recorder.current(vmId).holdsNothing())) {
        return row(vmId);
      }
      boolean wasRunning = before == VmState.RUNNING || before == VmState.PAUSED;
      setState(vmId, VmState.STOPPING, null);
      VmmProcess process = live.of(row);
      if (before == VmState.PAUSED && process != null && !force) {
        suspension.resumeToStop(row, process); // a frozen guest cannot hear Ctrl-Alt-Del
      }
      boolean killed = false;
      long t0 = System.nanoTime();
      if (process != null) {
        CrashPoints.reach(CrashPoint.STOP_VMM_BEFORE);
        Vmm vmm = resources.vmmFor(row.spec());
        if (force) {
          killed = vmm.kill(process);
          process.awaitExit(Duration.ofSeconds(10));
        } else {
          killed = vmm.stop(process, timeout == null ? options.stopTimeout() : timeout).forced();
        }
        CrashPoints.reach(CrashPoint.STOP_VMM_AFTER);
        BangerMetrics.stopStep("vmm.stop", System.nanoTime() - t0);
      }
      // Only a boot that ran has an ending to tell; a failed start keeps its own reason.
      GuestExit.Outcome outcome = wasRunning && process != null && !process.isAlive()
          ? endings.decide(row(vmId), killed)
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
      boolean active = state.mayOwnResources() && state != VmState.ERROR;
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
      resources.diskFor(stopped.runtime()).delete(resources.diskSpec(stopped));
      network.releaseLease(vmId);
      VmExits.removeVmDir(Path.of(stopped.runtime().vmDir()));
      repo.delete(vmId);
      recorder.forget(vmId);
      locks.remove(vmId);
      return null;
    });
  }

  /** The fixed teardown ({@link Teardown}); returns what could not be removed. */
  List<String> teardown(VmRow row) {
    return teardown.run(row);
  }

  /** Notices a VMM that ends on its own (guest poweroff, crash) and tears the VM down ({@link VmExits}). */
  void watch(String vmId, VmmProcess process) {
    exits.watch(vmId, process);
  }

  /** How the boot of a VM whose VMM is gone ended, from what it left (its disk still attached). */
  GuestExit.Outcome endOfBoot(VmRow row) {
    return endings.decide(row, false);
  }

  /** Records how a boot ended ({@link BootEndings#record}). */
  void record(String vmId, GuestExit.Outcome outcome) {
    endings.record(vmId, outcome);
  }

  void setState(String vmId, VmState state, String error) {
    repo.updateRuntime(row(vmId).runtime().withState(state, error));
  }

  private VmRow row(String vmId) {
    return repo.findById(vmId).orElseThrow(() -> BangerException.notFound("no VM with id " + vmId));
  }

  private static String rootMessage(Throwable e) {
    Throwable cause = e.getCause() == null ? e : e.getCause();
    return String.valueOf(cause.getMessage());
  }
}
