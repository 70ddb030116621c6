package dev.banger.vm;

import dev.banger.error.BangerException;
import dev.banger.metrics.BangerMetrics;
import dev.banger.model.HandleSink;
import dev.banger.model.VmState;
import dev.banger.store.VmRepository;
import dev.banger.store.VmRepository.VmRow;
import dev.banger.vmm.Accel;
import dev.banger.vmm.BootConfig;
import dev.banger.vmm.ProcessIdentity;
import dev.banger.vmm.Vmm;
import dev.banger.vmm.VmmProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pause, resume, suspend and restore (issue 16; README "Saved state"). Pause and resume freeze
 * and thaw the vCPUs of a VMM that keeps everything. Suspend is a list of steps — vmm.pause,
 * state.save, state.publish ({@link SavedState}: complete or absent), vmm.end (the VMM killed and
 * the fixed teardown, as at stop) — ending {@code suspended}; restore (a start of a suspended VM)
 * is state.verify (beside the next steps; vmm.resume waits for it), the start's disk.prepare,
 * volume.attach and net.tap ({@link BootSteps#attach}), vmm.spawn, vmm.load and vmm.resume, and the
 * saved state is discarded only once the VM runs.
 * Each step has a crash point before it; {@link #settle} resolves what a crash leaves.
 */
public final class VmSuspension {
  private static final Logger LOG = LoggerFactory.getLogger(VmSuspension.class);

  private final VmLifecycle lifecycle;
  private final VmRepository repo;
  private final LiveProcesses live;
  private final BootSteps bootSteps;

  VmSuspension(VmLifecycle lifecycle, VmRepository repo, LiveProcesses live, BootSteps bootSteps) {
    this.lifecycle = lifecycle;
    this.repo = repo;
    this.live = live;
    this.bootSteps = bootSteps;
  }

  /** Marks a VM paused before a suspend or snapshot, so a crash in it leaves the VM paused (not running). */
  static final String PAUSED_MARK = "paused-before-save";

  static void markPaused(Path vmDir, boolean paused) {
    try {
      if (paused) {
        dev.banger.store.AtomicFiles.write(vmDir.resolve(PAUSED_MARK), new byte[0]);
      } else {
        java.nio.file.Files.deleteIfExists(vmDir.resolve(PAUSED_MARK));
      }
    } catch (IOException e) {
      throw BangerException.internal("cannot record in " + vmDir + " that the VM was paused: " + e.getMessage(), e);
    }
  }

  static SavedState savedState(VmRow row) {
    return new SavedState(Path.of(row.runtime().vmDir()));
  }

  /** Freezes a running VM's vCPUs ({@code paused}); idempotent. */
  public VmRow pause(String vmId) {
    return lifecycle.locked(vmId, () -> {
      VmRow row = row(vmId);
      if (row.runtime().state() == VmState.PAUSED) {
        return row;
      }
      VmmProcess process = running(row, "pause");
      long t0 = System.nanoTime();
      lifecycle.resources().vmmFor(row.spec()).pause(process);
      lifecycle.setState(vmId, VmState.PAUSED, null);
      BangerMetrics.savedStateStep("pause", "vmm.pause", System.nanoTime() - t0);
      return row(vmId);
    });
  }

  /** Lets a paused VM run again; idempotent. */
  public VmRow resume(String vmId) {
    return lifecycle.locked(vmId, () -> {
      VmRow row = row(vmId);
      if (row.runtime().state() == VmState.RUNNING) {
        return row;
      }
      if (row.runtime().state() != VmState.PAUSED) {
        throw BangerException.precondition("VM '" + row.runtime().name() + "' is " + row.runtime().state().wire()
            + ", not paused" + (row.runtime().state() == VmState.SUSPENDED ? ": `banger start` restores it" : ""));
      }
      VmmProcess process = running(row, "resume");
      long t0 = System.nanoTime();
      lifecycle.resources().vmmFor(row.spec()).resume(process);
      lifecycle.setState(vmId, VmState.RUNNING, null);
      BangerMetrics.savedStateStep("resume", "vmm.resume", System.nanoTime() - t0);
      return row(vmId);
    });
  }

  /** Saves a running or paused VM's state in its directory and ends its VMM; it is then {@code suspended}. */
  public VmRow suspend(String vmId) {
    return lifecycle.locked(vmId, () -> {
      VmRow row = row(vmId);
      if (row.runtime().state() == VmState.SUSPENDED) {
        return row;
      }
      VmmProcess process = running(row, "suspend");
      VmState before = row.runtime().state();
      Vmm vmm = lifecycle.resources().vmmFor(row.spec());
      SavedState saved = savedState(row);
      Path vmDir = Path.of(row.runtime().vmDir());
      markPaused(vmDir, before == VmState.PAUSED);
      lifecycle.setState(vmId, VmState.SUSPENDING, null);
      try {
        CrashPoints.reach(CrashPoint.SUSPEND_VMM_PAUSE_BEFORE);
        timed("suspend", "vmm.pause", () -> vmm.pause(process));
        CrashPoints.reach(CrashPoint.SUSPEND_STATE_SAVE_BEFORE);
        timed("suspend", "state.save", () -> vmm.saveState(process, saved.prepare()));
        CrashPoints.reach(CrashPoint.SUSPEND_STATE_PUBLISH_BEFORE);
        timed("suspend", "state.publish", saved::publish);
      } catch (Exception e) {
        // The VMM still holds the guest: it carries on as it was.
        saved.discard();
        if (before == VmState.RUNNING && process.isAlive()) {
          vmm.resume(process);
        }
        lifecycle.setState(vmId, before, null);
        markPaused(vmDir, false);
        throw BangerException.precondition("cannot suspend VM '" + row.runtime().name() + "': " + e.getMessage()
            + "; it is " + before.wire() + " as before");
      }
      CrashPoints.reach(CrashPoint.SUSPEND_VMM_END_BEFORE);
      long t0 = System.nanoTime();
      List<String> failures = lifecycle.teardown(row(vmId)); // kills the VMM: its state is saved
      if (!failures.isEmpty()) {
        lifecycle.setState(vmId, VmState.ERROR, "suspend incomplete: " + String.join("; ", failures));
        throw BangerException.internal("VM '" + row.runtime().name() + "': suspend incomplete: "
            + String.join("; ", failures) + "; the next reconcile retries it", null);
      }
      lifecycle.setState(vmId, VmState.SUSPENDED, null);
      markPaused(vmDir, false);
      stepDone("suspend", "vmm.end", t0);
      CrashPoints.reach(CrashPoint.SUSPEND_VMM_END_AFTER);
      return row(vmId);
    });
  }

  /**
   * A start of a suspended VM (called by {@link VmLifecycle#start} under the VM's lock). A failure
   * leaves it {@code suspended}, its state untouched, holding nothing; a corrupted state is refused.
   */
  VmRow restore(VmRow row) {
    String id = row.runtime().id();
    long r0 = System.nanoTime();
    SavedState saved = savedState(row);
    CrashPoints.reach(CrashPoint.RESTORE_STATE_VERIFY_BEFORE);
    // Checked while the VMM is made and loads the stream (reading it is ~100 ms of a restore);
    // the guest's vCPUs run only after it verified (vmm.resume waits for it): never from a torn file.
    java.util.concurrent.CompletableFuture<Void> verified = java.util.concurrent.CompletableFuture.runAsync(
        () -> timedUnchecked("restore", "state.verify", () -> saved.verify(row.runtime().name())), VERIFIER);
    Vmm vmm = lifecycle.resources().vmmFor(row.spec());
    // The machine must be the one that was saved: same accelerator as at its boot.
    Accel accel = row.runtime().accel() == null ? Accel.TCG : Accel.valueOf(row.runtime().accel().toUpperCase(java.util.Locale.ROOT));
    lifecycle.setState(id, VmState.RESTORING, null);
    StepStack steps = new StepStack(id);
    HandleSink sink = lifecycle.recorder().sinkFor(id);
    try {
      long a0 = System.nanoTime();
      BootSteps.Boot boot = bootSteps.attach(row, steps);
      BootConfig config = bootSteps.bootConfig(row, accel, boot);
      bootSteps.cgroup(row, steps);
      stepDone("restore", "host.attach", a0);
      CrashPoints.reach(CrashPoint.RESTORE_VMM_SPAWN_BEFORE);
      long s0 = System.nanoTime();
      VmmProcess process = vmm.launchForRestore(lifecycle.resources().launchSpec(row), config);
      stepDone("restore", "vmm.spawn", s0);
      ProcessIdentity who = process.identity();
      sink.apply(h -> h.withProcess(who.pid(), who.startTime()));
      live.put(id, process);
      steps.push("vmm.spawn", () -> {
        vmm.kill(process);
        process.awaitExit(Duration.ofSeconds(10));
        live.remove(id, process);
        sink.apply(h -> h.withProcess(null, null));
      });
      CrashPoints.reach(CrashPoint.RESTORE_VMM_LOAD_BEFORE);
      timed("restore", "vmm.load", () -> vmm.restore(process, config, saved.dir()));
      awaitVerified(verified);
      CrashPoints.reach(CrashPoint.RESTORE_VMM_RESUME_BEFORE);
      timed("restore", "vmm.resume", () -> vmm.resume(process));
      if (CloneIdentity.pending(saved.dir())) {
        timed("restore", "guest.readdress", () -> CloneIdentity.apply(row(id), boot.guest, process));
      }
      // startedAt is kept: the guest's uptime carries on.
      lifecycle.setState(id, VmState.RUNNING, null);
      CrashPoints.reach(CrashPoint.RESTORE_VMM_RESUME_AFTER);
      timedUnchecked("restore", "state.discard", saved::discardSoon);
      lifecycle.watch(id, process);
      stepDone("restore", "total", r0);
      return row(id);
    } catch (Exception failure) {
      // A state that fails its check is the reason, whatever the VMM made of it meanwhile.
      Exception e = verificationFailure(verified).orElse(failure);
      List<String> undo = steps.unwind();
      String reason = "restore failed: " + e.getMessage() + (undo.isEmpty() ? "" : "; cleanup incomplete (" + String.join("; ", undo) + ")");
      if (undo.isEmpty() && lifecycle.recorder().current(id).holdsNothing()) {
        lifecycle.recorder().clear(id);
      }
      lifecycle.setState(id, undo.isEmpty() ? VmState.SUSPENDED : VmState.ERROR, reason);
      throw BangerException.precondition("VM '" + row.runtime().name() + "': " + reason);
    }
  }

  /** Verification runs beside the load on a thread of its own (a virtual thread: it blocks on reads). */
  private static final java.util.concurrent.Executor VERIFIER = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

  private static void awaitVerified(java.util.concurrent.CompletableFuture<Void> verified) {
    try {
      verified.join();
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  private static Optional<Exception> verificationFailure(java.util.concurrent.CompletableFuture<Void> verified) {
    try {
      verified.join();
      return Optional.empty();
    } catch (java.util.concurrent.CompletionException e) {
      return Optional.of(e.getCause() instanceof Exception x ? x : e);
    }
  }

  /**
   * Resolves a VM a crash left {@code suspending} or {@code restoring}: a suspend that had not yet
   * published its state while the VMM lives on (whole) lets the guest run on (adopted); otherwise
   * everything is torn down and the VM is {@code suspended} when its saved state verifies, else
   * {@code stopped}. Returns true when it was adopted.
   */
  boolean settle(VmRow row, Optional<VmmProcess> process, boolean whole) {
    String id = row.runtime().id();
    SavedState saved = savedState(row);
    boolean complete = saved.published() && verifies(saved, row);
    Path vmDir = Path.of(row.runtime().vmDir());
    boolean wasPaused = java.nio.file.Files.exists(vmDir.resolve(PAUSED_MARK));
    if (row.runtime().state() == VmState.SUSPENDING && !complete && process.isPresent() && whole) {
      saved.discard();
      // A VM that was paused before the suspend (or snapshot) stays paused.
      if (!wasPaused) {
        lifecycle.resources().vmmFor(row.spec()).resume(process.get());
      }
      lifecycle.adoptLive(id, process.get());
      lifecycle.setState(id, wasPaused ? VmState.PAUSED : VmState.RUNNING, null);
      markPaused(vmDir, false);
      lifecycle.watch(id, process.get());
      return true;
    }
    markPaused(vmDir, false);
    List<String> failures = lifecycle.teardown(row(id));
    if (!failures.isEmpty()) {
      lifecycle.setState(id, VmState.ERROR, "teardown incomplete: " + String.join("; ", failures));
    } else if (complete) {
      lifecycle.setState(id, VmState.SUSPENDED, null);
    } else {
      saved.discard();
      lifecycle.setState(id, VmState.STOPPED, null);
    }
    return false;
  }

  /**
   * A stop's part: any saved state is discarded (the next start boots afresh). Returns true when
   * the VM was suspended and holds nothing, and is now {@code stopped}: nothing else to do.
   */
  boolean discardForStop(VmRow row) {
    savedState(row).discard();
    String id = row.runtime().id();
    if (row.runtime().state() == VmState.SUSPENDED && lifecycle.recorder().current(id).holdsNothing()) {
      lifecycle.setState(id, VmState.STOPPED, null);
      return true;
    }
    return false;
  }

  /** Best effort before a graceful stop of a paused VM; one that cannot be resumed is killed at the timeout. */
  void resumeToStop(VmRow row, VmmProcess process) {
    try {
      lifecycle.resources().vmmFor(row.spec()).resume(process);
    } catch (BangerException e) {
      LOG.atWarn().addKeyValue("vm", row.runtime().id()).setCause(e).log("could not resume a paused VM to stop it");
    }
  }

  private static boolean verifies(SavedState saved, VmRow row) {
    try {
      saved.verify(row.runtime().name());
      return true;
    } catch (BangerException e) {
      LOG.atWarn().addKeyValue("vm", row.runtime().id()).addKeyValue("reason", e.getMessage()).log("saved state unusable");
      return false;
    }
  }

  /** The VMM of a running or paused VM this daemon watches; a clear error otherwise. */
  private VmmProcess running(VmRow row, String what) {
    VmState state = row.runtime().state();
    VmmProcess process = live.of(row);
    if ((state != VmState.RUNNING && state != VmState.PAUSED) || process == null || !process.isAlive()) {
      throw BangerException.precondition("cannot " + what + " VM '" + row.runtime().name() + "': it is " + state.wire()
          + (state == VmState.SUSPENDED ? " (`banger start` restores it)" : ", not running"));
    }
    return process;
  }

  @FunctionalInterface
  private interface Work {
    void run() throws IOException;
  }

  private static void timed(String op, String step, Work work) throws IOException {
    long t0 = System.nanoTime();
    work.run();
    stepDone(op, step, t0);
  }

  private static void stepDone(String op, String step, long t0) {
    long nanos = System.nanoTime() - t0;
    BangerMetrics.savedStateStep(op, step, nanos);
    LOG.atInfo().addKeyValue("op", op).addKeyValue("step", step).addKeyValue("ms", nanos / 1_000_000).log("saved-state step done");
  }

  private static void timedUnchecked(String op, String step, Runnable work) {
    try {
      timed(op, step, work::run);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private VmRow row(String vmId) {
    return repo.findById(vmId).orElseThrow(() -> BangerException.notFound("no VM with id " + vmId));
  }
}
