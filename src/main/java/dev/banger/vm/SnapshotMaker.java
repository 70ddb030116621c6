package dev.banger.vm;

import dev.banger.error.BangerException;
import dev.banger.model.VmState;
import dev.banger.store.SnapshotRecord;
import dev.banger.store.SnapshotRepository;
import dev.banger.store.StagedDirs;
import dev.banger.store.VmRepository;
import dev.banger.store.VmRepository.VmRow;
import dev.banger.vmm.Vmm;
import dev.banger.vmm.VmmProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a snapshot of a running or paused VM (issue 16; README, "Snapshots and clones"), a list of
 * steps under the VM's lock: the VM is marked {@code suspending} (so a crash is resolved as a
 * suspend that never published: the VMM lives on, resumed unless it was paused), vmm.pause,
 * state.save into a staged {@code snapshots/.new-*} directory with a copy of the disk file in
 * {@code disk/} (reflink or sparse copy) and a manifest, publish (rename to {@code snapshots/<id>}),
 * record (the row). A crash point precedes each of the last three; {@link Snapshots#sweep} removes
 * what a crash leaves (staged directories, a published one without a row). The VM then runs on,
 * or stays paused, as before.
 */
final class SnapshotMaker {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotMaker.class);
  /** The disk file's place in a snapshot's directory (a subdirectory, so the manifest leaves it out). */
  static final String DISK_DIR = "disk";
  static final String DISK_FILE = "root.img";

  private final VmLifecycle lifecycle;
  private final VmRepository repo;
  private final SnapshotRepository rows;
  private final Path snapshotsDir;

  SnapshotMaker(VmLifecycle lifecycle, VmRepository repo, SnapshotRepository rows, Path snapshotsDir) {
    this.lifecycle = lifecycle;
    this.repo = repo;
    this.rows = rows;
    this.snapshotsDir = snapshotsDir;
  }

  SnapshotRecord take(VmRow asked, String name) {
    return lifecycle.locked(asked.runtime().id(), () -> {
      VmRow row = repo.findById(asked.runtime().id())
          .orElseThrow(() -> BangerException.notFound("no VM with id " + asked.runtime().id()));
      String vm = row.runtime().name();
      VmState before = row.runtime().state();
      refuseUnclonable(row);
      VmmProcess process = lifecycle.liveProcess(row);
      if ((before != VmState.RUNNING && before != VmState.PAUSED) || process == null || !process.isAlive()) {
        throw BangerException.precondition("cannot snapshot VM '" + vm + "': it is " + before.wire()
            + "; a snapshot is taken of a running or paused VM");
      }
      if (rows.findByName(name).isPresent()) {
        throw BangerException.alreadyExists("a snapshot named '" + name + "' already exists");
      }
      Vmm vmm = lifecycle.resources().vmmFor(row.spec());
      Path vmDir = Path.of(row.runtime().vmDir());
      String id = VmNames.newId();
      Path staged = null;
      VmSuspension.markPaused(vmDir, before == VmState.PAUSED);
      lifecycle.setState(row.runtime().id(), VmState.SUSPENDING, null);
      try {
        staged = StagedDirs.create(snapshotsDir);
        vmm.pause(process);
        CrashPoints.reach(CrashPoint.SNAPSHOT_STATE_SAVE_BEFORE);
        long t0 = System.nanoTime();
        vmm.saveState(process, staged);
        Path disk = Files.createDirectory(staged.resolve(DISK_DIR)).resolve(DISK_FILE);
        lifecycle.resources().disks().copyDiskFile(lifecycle.resources().diskSpec(row).disk(), disk);
        StagedDirs.syncFiles(disk.getParent());
        SavedState.seal(staged);
        long bytes = bytes(staged);
        LOG.atInfo().addKeyValue("vm", vm).addKeyValue("snapshot", name).addKeyValue("ms", (System.nanoTime() - t0) / 1_000_000)
            .addKeyValue("bytes", bytes).log("snapshot saved");
        CrashPoints.reach(CrashPoint.SNAPSHOT_PUBLISH_BEFORE);
        Path dir = StagedDirs.publish(staged, snapshotsDir.resolve(id));
        staged = null;
        CrashPoints.reach(CrashPoint.SNAPSHOT_RECORD_BEFORE);
        SnapshotRecord record = new SnapshotRecord(id, name, vm, row.spec(), row.imageId(), row.kernelId(),
            row.runtime().rootdiskStrategy(), row.runtime().accel() == null ? "tcg" : row.runtime().accel(), dir.toString(),
            bytes, row.runtime().startedAt(), Instant.now());
        rows.insert(record);
        return record;
      } catch (IOException | RuntimeException e) {
        if (staged != null) {
          StagedDirs.discard(staged);
        }
        throw BangerException.precondition("cannot snapshot VM '" + vm + "': " + e.getMessage() + "; it is " + before.wire() + " as before");
      } finally {
        // The VMM still holds the guest: it carries on as it was.
        if (before == VmState.RUNNING && process.isAlive()) {
          vmm.resume(process);
        }
        lifecycle.setState(row.runtime().id(), before, null);
        VmSuspension.markPaused(vmDir, false);
      }
    });
  }

  /**
   * What a clone could not have. Image mode: the guest's own init set its address from the
   * template's boot and banger has no agent there to change it, so clones would collide on one
   * address. Volumes and port forwards belong to one VM.
   */
  static void refuseUnclonable(VmRow row) {
    String vm = row.runtime().name();
    if (!row.spec().containerMode()) {
      throw BangerException.precondition("cannot snapshot VM '" + vm + "': it boots in image mode, and clones of an image-mode VM"
          + " would all wake with its address, which the image's own init and network services own; snapshots need container mode (--init banger)");
    }
    if (!row.spec().volumes().isEmpty()) {
      throw BangerException.precondition("cannot snapshot VM '" + vm + "': it has volumes (-v), which one VM holds at a time");
    }
    if (!row.spec().ports().isEmpty()) {
      throw BangerException.precondition("cannot snapshot VM '" + vm + "': it forwards host ports (-p), which one VM holds at a time");
    }
  }

  private static long bytes(Path dir) throws IOException {
    try (var files = Files.walk(dir)) {
      long total = 0;
      for (Path f : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(f)) {
          total += Files.size(f);
        }
      }
      return total;
    }
  }
}
