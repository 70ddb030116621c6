package dev.banger.rootdisk;

import dev.banger.host.CommandRunner;
import dev.banger.host.LoopDevices;
import dev.banger.host.SweepReport;
import dev.banger.model.Holdings;
import dev.banger.model.OrphanSweep;
import dev.banger.model.VmHandles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Removes root-disk leftovers no live VM owns: device-mapper targets named {@code banger-*} and
 * loop devices whose backing file lies under the state directory. Nothing else is touched: not a
 * dm target with another name, not a loop over a file elsewhere. Run it when no start is in
 * progress (reconcile does, at daemon start), with every live VM's handles in the keep-set.
 */
public final class DiskSweep implements OrphanSweep {
  private final LoopDevices loops;
  private final DmSetup dm;
  private final Path stateDir;
  private final Path mapperControl;
  private final CommandRunner runner;

  public DiskSweep(CommandRunner runner, Path stateDir) {
    this(runner, stateDir, RootDiskStrategy.MAPPER_CONTROL, d -> Thread.sleep(d.toMillis()));
  }

  DiskSweep(CommandRunner runner, Path stateDir, Path mapperControl, DmSetup.Sleeper sleeper) {
    Objects.requireNonNull(runner, "runner");
    this.runner = runner;
    this.loops = new LoopDevices(runner);
    this.dm = new DmSetup(runner, sleeper);
    this.stateDir = LoopDevices.canonical(Objects.requireNonNull(stateDir, "stateDir"));
    this.mapperControl = mapperControl;
  }

  /** The loops and dm targets present now, for one reconcile pass (issue 17). */
  public DiskSnapshot snapshot() {
    return new DiskSnapshot(loops, dm);
  }

  /** The dm names and loops {@code held} names: what {@link #sweep} keeps. */
  public static Set<String> keptDevices(Holdings held) {
    Set<String> keep = new HashSet<>();
    for (VmHandles h : held.recorded().values()) {
      Stream.of(h.dmName(), h.baseLoop(), h.cowLoop()).filter(Objects::nonNull).forEach(keep::add);
    }
    return keep;
  }

  /**
   * Removes every banger dm target and state-directory loop that {@code held} does not name
   * ({@link #keptDevices}: dm target names {@code banger-<id>}, whose {@code -origin} is kept
   * with them, and loop devices {@code /dev/loopN}).
   */
  @Override
  public SweepReport sweep(Holdings held) {
    Set<String> keep = keptDevices(held);
    SweepReport.Builder report = new SweepReport.Builder();
    DmSnapshotDisk.SETUP_LOCK.lock();
    try {
      // A /dev/mapper/control node can exist without a kernel driver behind it (dmsetup installed
      // on a kernel without dm): ask dmsetup, as the strategy choice does.
      if (RootDiskStrategy.deviceMapperAvailable(runner, mapperControl)) {
        sweepTargets(keep, report);
      }
      sweepLoops(keep, report);
    } finally {
      DmSnapshotDisk.SETUP_LOCK.unlock();
    }
    return report.build();
  }

  private void sweepTargets(Set<String> keep, SweepReport.Builder report) {
    List<String> snapshots = new ArrayList<>();
    List<String> origins = new ArrayList<>();
    for (String name : dm.list()) {
      if (!name.startsWith("banger-")) {
        continue;
      }
      String owner = name.endsWith("-origin") ? name.substring(0, name.length() - "-origin".length()) : name;
      if (keep.contains(name) || keep.contains(owner)) {
        report.kept(name);
      } else {
        (name.equals(owner) ? snapshots : origins).add(name);
      }
    }
    // Snapshots first: an origin is busy while a snapshot sits on it.
    snapshots.addAll(origins);
    for (String name : snapshots) {
      try {
        dm.remove(name);
        report.removed("dm " + name);
      } catch (RuntimeException e) {
        report.failed("dm " + name, e);
      }
    }
  }

  private void sweepLoops(Set<String> keep, SweepReport.Builder report) {
    for (LoopDevices.Loop loop : loops.list()) {
      Path backing = Path.of(loop.backingPath()).normalize();
      if (loop.backingPath().isEmpty() || !backing.isAbsolute() || !backing.startsWith(stateDir)) {
        continue;
      }
      if (keep.contains(loop.device())) {
        report.kept(loop.device());
        continue;
      }
      try {
        loops.detachUnchecked(loop.device());
        report.removed("loop " + loop.device() + " (" + loop.backingPath() + ")");
      } catch (RuntimeException e) {
        report.failed("loop " + loop.device(), e);
      }
    }
  }
}
