package dev.banger.vm;

import dev.banger.host.ProcFs;
import dev.banger.host.ProcReadException;
import dev.banger.host.SweepReport;
import dev.banger.metrics.BangerMetrics;
import dev.banger.model.Holdings;
import dev.banger.model.OrphanSweep;
import dev.banger.model.VmHandles;
import dev.banger.model.VmState;
import dev.banger.network.NetworkMode;
import dev.banger.rootdisk.DiskSweep;
import dev.banger.store.HandlesFile;
import dev.banger.store.VmRepository;
import dev.banger.store.VmRepository.VmRow;
import dev.banger.vmm.LaunchSpec;
import dev.banger.vmm.ProcessIdentity;
import dev.banger.vmm.Vmm;
import dev.banger.vmm.VmmProcess;
import dev.banger.vmm.VmmSandbox;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the daemon's view and the host back in line (DESIGN.md, "Lifecycle and crash safety"):
 * for every VM that may own resources, load its handles (handles.json, else the VmRuntime mirror
 * plus a /proc search for its VMM), verify them against the live OS, and either adopt the VM
 * (alive and consistent) or tear down what is left and mark it stopped. Then sweep banger-named
 * resources no VM owns. Runs at daemon start before the API opens, periodically, and on demand.
 *
 * <p>When /proc cannot be read ({@link ProcReadException}, e.g. EMFILE), a VM is neither adopted
 * nor torn down: it counts as a failure of this pass and is checked again on the next one.
 */
public final class Reconciler {
  private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);

  /** What one pass found and did. */
  public record Report(int checked, List<String> adopted, List<String> stopped, List<String> swept, List<String> failures,
      long durationMillis) {}

  private final VmRepository repo;
  private final VmLifecycle lifecycle;
  private final DiskSweep diskSweep;
  private final ProcFs proc;
  private final Path stateDir;

  public Reconciler(VmRepository repo, VmLifecycle lifecycle, DiskSweep diskSweep, ProcFs proc, Path stateDir) {
    this.repo = repo;
    this.lifecycle = lifecycle;
    this.diskSweep = diskSweep;
    this.proc = proc;
    this.stateDir = stateDir;
  }

  public synchronized Report reconcile() {
    long t0 = System.nanoTime();
    List<String> adopted = new ArrayList<>();
    List<String> stopped = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    int checked = 0;
    HostSnapshot host = new HostSnapshot(lifecycle.network(), diskSweep, proc); // one listing per pass (issue 17)
    for (VmRow row : repo.list()) {
      boolean mirrorHolds = !row.runtime().mirror().holdsNothing();
      if (!row.runtime().state().mayOwnResources() && !mirrorHolds) {
        continue;
      }
      checked++;
      String id = row.runtime().id();
      try {
        Outcome outcome = lifecycle.locked(id, () -> reconcileOne(id, host));
        (outcome == Outcome.ADOPTED ? adopted : stopped).add(row.runtime().name());
      } catch (RuntimeException e) {
        failures.add(row.runtime().name() + ": " + e.getMessage());
        LOG.atWarn().addKeyValue("vm", id).setCause(e).log("reconcile failed; retried on the next pass");
      }
    }
    List<String> swept = sweep(failures);
    Report report = new Report(checked, adopted, stopped, swept, failures, (System.nanoTime() - t0) / 1_000_000);
    BangerMetrics.reconcilePass(stopped.size(), swept.size(), failures.size());
    swept.forEach(repo.listener()::swept);
    LOG.atInfo().addKeyValue("durationMs", report.durationMillis()).addKeyValue("checked", checked).addKeyValue("adopted", adopted.size()).addKeyValue("stopped", stopped.size())
        .addKeyValue("swept", swept.size()).addKeyValue("failures", failures.size()).log("reconciled");
    return report;
  }

  private enum Outcome { ADOPTED, STOPPED, UNCHANGED }

  private Outcome reconcileOne(String id, HostSnapshot host) {
    Optional<VmRow> found = repo.findById(id);
    if (found.isEmpty()) {
      return Outcome.UNCHANGED;
    }
    VmRow row = found.get();
    VmState state = row.runtime().state();
    VmRecorder recorder = lifecycle.recorder();
    boolean up = state == VmState.RUNNING || state == VmState.PAUSED; // a paused VM is adopted paused
    if (up && lifecycle.liveIds().contains(id) && recorder.cached(id).isPresent()) {
      return Outcome.ADOPTED; // Watched by this daemon: its exit watcher keeps it honest.
    }
    VmHandles handles = load(row, host);
    recorder.adoptRecorded(id, handles); // The cache and a healed handles.json, before any teardown step.
    LaunchSpec launch = lifecycle.resources().launchSpec(row);
    Optional<VmmProcess> process = ProcessIdentity.fromHandles(handles, launch.processMarker())
        .flatMap(who -> lifecycle.resources().vmmFor(row.spec()).adopt(who, launch));
    // Only a VM that finished booting is adopted. One caught in STARTING never completed its start
    // (the caller saw it fail); one caught in STOPPING was asked to stop. Both are torn down.
    boolean whole = process.isPresent()
        && (NetworkMode.fromWire(row.spec().network()) == NetworkMode.NONE
            || (handles.tapDevice() != null && host.tapExists(handles.tapDevice())))
        && host.diskActive(lifecycle.resources().diskFor(row.runtime()), lifecycle.resources().diskSpec(row), handles);
    if (state == VmState.SUSPENDING || state == VmState.RESTORING) {
      return lifecycle.suspension().settle(row, process, whole) ? Outcome.ADOPTED : Outcome.STOPPED;
    }
    if (whole && up) {
      lifecycle.adoptLive(id, process.get());
      if (row.runtime().lastError() != null) {
        lifecycle.setState(id, state, null); // state unchanged: only an error to clear
      }
      lifecycle.watch(id, process.get());
      LOG.atInfo().addKeyValue("vm", id).addKeyValue("pid", handles.pid()).log("adopted running VM");
      BangerMetrics.adopted();
      repo.listener().adopted(row.runtime());
      return Outcome.ADOPTED;
    }
    // A container whose VMM ended while no daemon watched it: its exit record (read before the
    // disk goes) says how, as it would have had the daemon been there.
    Optional<GuestExit.Outcome> ended = state == VmState.RUNNING && process.isEmpty() && row.spec().containerMode()
        ? Optional.of(lifecycle.endOfBoot(repo.findById(id).orElseThrow())) : Optional.empty();
    List<String> failures = lifecycle.teardown(repo.findById(id).orElseThrow());
    if (failures.isEmpty() && ended.isPresent()) {
      lifecycle.record(id, ended.get());
    } else if (failures.isEmpty()) {
      lifecycle.setState(id, VmState.STOPPED, state == VmState.ERROR ? row.runtime().lastError() : null);
    } else {
      lifecycle.setState(id, VmState.ERROR, "teardown incomplete: " + String.join("; ", failures));
    }
    LOG.atInfo().addKeyValue("vm", id).addKeyValue("was", state.wire()).log("stale VM torn down");
    return Outcome.STOPPED;
  }

  /**
   * The best record of a VM's handles: handles.json when it is sound, else the mirror on its row,
   * completed by a /proc search for a process naming this VM's API socket.
   */
  private VmHandles load(VmRow row, HostSnapshot host) {
    String id = row.runtime().id();
    HandlesFile.Load load = new HandlesFile(Path.of(row.runtime().vmDir()), id).load();
    if (load instanceof HandlesFile.Load.Present present) {
      return present.handles();
    }
    String why = load instanceof HandlesFile.Load.Corrupt corrupt ? corrupt.reason() : "handles.json is missing";
    VmHandles mirror = row.runtime().mirror();
    Optional<Long> pid = row.runtime().apiSocket() == null ? Optional.empty() : host.processNaming(row.runtime().apiSocket());
    LOG.atWarn().addKeyValue("vm", id).addKeyValue("reason", why).addKeyValue("pidFound", pid.isPresent())
        .log("using the mirrored handles");
    return pid.flatMap(p -> proc.startTime(p).map(t -> mirror.withProcess(p, t))).orElse(mirror);
  }

  /** Removes banger-named taps, dm targets, loops and VMM processes that no VM owns. */
  private List<String> sweep(List<String> failures) {
    Map<String, VmHandles> recorded = new HashMap<>();
    Set<String> keepSockets = new HashSet<>();
    for (VmRow row : repo.list()) {
      VmHandles h = lifecycle.recorder().cached(row.runtime().id()).orElse(row.runtime().mirror());
      recorded.put(row.runtime().id(), h);
      if (h.pid() != null && row.runtime().apiSocket() != null) {
        keepSockets.add(row.runtime().apiSocket());
      }
    }
    Holdings held = new Holdings(recorded,
        vmId -> repo.findById(vmId).isPresent() ? lifecycle.recorder().cached(vmId) : Optional.empty());
    List<String> swept = new ArrayList<>();
    try {
      swept.addAll(sweepProcesses(keepSockets));
    } catch (ProcReadException e) {
      // Unsure who is alive: kill nothing this pass.
      failures.add("process sweep skipped: " + e.getMessage());
    }
    List<SweepReport> reports = new ArrayList<>();
    for (OrphanSweep sweeper : sweepers()) {
      reports.add(sweeper.sweep(held));
    }
    // A volume claim lives while its VM's VMM does, or its start or stop is under way (claims come before the VMM).
    Set<String> running = new HashSet<>();
    Set<VmState> active = java.util.EnumSet.of(VmState.STARTING, VmState.RUNNING, VmState.STOPPING);
    for (VmRow row : repo.list()) {
      VmHandles h = lifecycle.recorder().cached(row.runtime().id()).orElse(row.runtime().mirror());
      if (h.pid() != null || active.contains(row.runtime().state())) {
        running.add(row.runtime().id());
      }
    }
    int claims = lifecycle.volumes().sweep(running);
    if (claims > 0) {
      swept.add(claims + " volume claim(s) of stopped VMs");
    }
    for (SweepReport report : reports) {
      swept.addAll(report.removed());
      failures.addAll(report.failures());
    }
    return swept;
  }

  /** Every sweeper, in order: jails first, so a jailed VMM found there is killed before its tap and disk go. */
  private List<OrphanSweep> sweepers() {
    List<OrphanSweep> sweepers = new ArrayList<>();
    for (Vmm vmm : lifecycle.resources().vmms().values()) {
      if (vmm instanceof VmmSandbox sandbox) {
        sweepers.add(sandbox);
      }
    }
    if (lifecycle.limits().cgroups() != null) {
      // After the process sweep (run before the sweepers): a cgroup still holding a process is left for the next pass.
      sweepers.add(lifecycle.limits().cgroups());
    }
    sweepers.add(lifecycle.network());
    sweepers.add(diskSweep);
    return sweepers;
  }

  /** Kills VMM processes whose command line names a socket under our VM directories, unowned. */
  private List<String> sweepProcesses(Set<String> keepSockets) {
    List<String> killed = new ArrayList<>();
    String vmsDir = stateDir.resolve("vms").toString() + "/";
    for (long pid : proc.pids()) {
      Optional<List<String>> argv = proc.cmdline(pid);
      Optional<Long> start = proc.startTime(pid);
      if (argv.isEmpty() || start.isEmpty() || pid == ProcessHandle.current().pid()) {
        continue;
      }
      Optional<String> socket = argv.get().stream().filter(a -> a.startsWith(vmsDir) && a.endsWith(".sock")).findFirst();
      if (socket.isEmpty() || keepSockets.contains(socket.get())) {
        continue;
      }
      ProcessIdentity who = new ProcessIdentity(pid, start.get(), Path.of(socket.get()));
      // Signal only if the identity still holds at the moment of the kill.
      if (who.matches(proc)) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        killed.add("process " + pid + " (" + socket.get() + ")");
        LOG.atWarn().addKeyValue("pid", pid).addKeyValue("socket", socket.get()).log("killed orphaned VMM");
      }
    }
    return killed;
  }

}
