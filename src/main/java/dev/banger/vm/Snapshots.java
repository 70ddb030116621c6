package dev.banger.vm;

import dev.banger.error.BangerException;
import dev.banger.model.GuestSetup;
import dev.banger.model.VmRuntime;
import dev.banger.model.VmState;
import dev.banger.store.SnapshotRecord;
import dev.banger.store.SnapshotRepository;
import dev.banger.store.StagedDirs;
import dev.banger.store.VmRepository;
import dev.banger.store.VmRepository.VmRow;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots as templates (issue 16; README, "Snapshots and clones"): {@link #create} takes one
 * ({@link SnapshotMaker}); {@link #clone} makes a new VM from one and starts it. A clone is made
 * whole at once — its own copy of the disk file (reflink or sparse copy), hard links to the saved
 * state (nothing writes a state file in place) with the manifest, in a staged directory renamed to
 * {@code vms/<id>} before its row is inserted — so it never depends on the snapshot afterwards:
 * {@link #remove} is allowed while clones run. Its first start is a restore of that state plus the
 * guest.readdress step ({@link CloneIdentity}): its own MAC, address, host name and RNG seed.
 */
public final class Snapshots {
  private static final Logger LOG = LoggerFactory.getLogger(Snapshots.class);
  static final String DIR = "snapshots";

  private final VmService vms;
  private final VmRepository repo;
  private final SnapshotRepository rows;
  private final Path dir;
  private final SnapshotMaker maker;

  /** Also sweeps what a crashed snapshot left in the state directory's {@code snapshots/}. */
  public Snapshots(VmService vms, SnapshotRepository rows) {
    this.vms = vms;
    this.repo = vms.repo();
    this.rows = rows;
    this.dir = vms.stateDir().resolve(DIR);
    this.maker = new SnapshotMaker(vms.lifecycle(), repo, rows, dir);
    sweep();
  }

  /** Takes snapshot {@code name} of running or paused VM {@code vm}, which carries on as it was. */
  public SnapshotRecord create(String vm, String name) {
    VmNames.checkName(name);
    return maker.take(vms.get(vm), name);
  }

  public List<SnapshotRecord> list() {
    return rows.list();
  }

  public SnapshotRecord get(String name) {
    return rows.findByName(name)
        .orElseThrow(() -> BangerException.notFound("no snapshot named '" + name + "'; `banger snapshot ls` lists them"));
  }

  /** Removes a snapshot: the row first, then its directory by rename (a crash between leaves a directory the sweep removes). */
  public void remove(String name) {
    SnapshotRecord s = get(name);
    rows.delete(s.id());
    try {
      StagedDirs.remove(Path.of(s.dir()));
    } catch (IOException e) {
      LOG.atWarn().addKeyValue("snapshot", name).setCause(e).log("snapshot directory left for the sweep");
    }
  }

  /**
   * Makes VM {@code cloneName} from snapshot {@code snapshot} and starts it from the saved state.
   * A corrupted snapshot is refused (naming the file) before anything is made.
   */
  public VmRow clone(String snapshot, String cloneName) {
    VmNames.checkName(cloneName);
    SnapshotRecord s = get(snapshot);
    Path snapDir = Path.of(s.dir());
    SavedState.check(snapDir, "snapshot '" + s.name() + "' in " + snapDir,
        "remove it with `banger snapshot rm " + s.name() + "` and take it again");
    VmRow row = make(s, cloneName);
    return vms.start(row.runtime().id());
  }

  private synchronized VmRow make(SnapshotRecord s, String cloneName) {
    if (repo.findByName(cloneName).isPresent()) {
      throw BangerException.alreadyExists("a VM named '" + cloneName + "' already exists");
    }
    String id = vms.uniqueId();
    Path vmsDir = vms.stateDir().resolve("vms");
    Path vmDir = vmsDir.resolve(id);
    Path snapDir = Path.of(s.dir());
    Path staged = null;
    try {
      staged = StagedDirs.create(vmsDir);
      Path saved = Files.createDirectory(staged.resolve(SavedState.SAVED));
      for (Path file : SavedState.sealedFiles(snapDir)) {
        link(file, saved.resolve(file.getFileName().toString()));
      }
      CloneIdentity.mark(saved, s.name());
      vms.lifecycle().resources().disks().copyDiskFile(
          snapDir.resolve(SnapshotMaker.DISK_DIR).resolve(SnapshotMaker.DISK_FILE), staged.resolve("cow.img"));
      StagedDirs.syncFiles(staged);
      StagedDirs.publish(staged, vmDir);
      staged = null;
    } catch (IOException e) {
      throw BangerException.precondition("cannot make clone '" + cloneName + "' of snapshot '" + s.name() + "': " + e.getMessage());
    } finally {
      if (staged != null) {
        StagedDirs.discard(staged);
      }
    }
    Path apiSocket = vmDir.resolve(s.spec().vmm().equals("qemu") ? "qmp.sock" : "fc.sock");
    VmRuntime runtime = new VmRuntime(id, cloneName, VmState.SUSPENDED, vmDir.toString(), apiSocket.toString(),
        vmDir.resolve("cow.img").toString(), vmDir.resolve("console.log").toString(), null, null, null, null,
        Instant.now(), null, null, null, null, null, null)
        .withRootdiskStrategy(s.rootdiskStrategy()).withAccel(s.accel()).withGuestSetup(GuestSetup.DONE)
        .withStartedAt(s.startedAt()).withBoot(VmNames.newId(), 0L);
    VmRow row = new VmRow(s.spec(), runtime, s.imageId(), s.kernelId());
    repo.insert(row);
    vms.lifecycle().forgetRemoved(cloneName);
    return row;
  }

  /** A hard link (state files are never written in place), or a copy across filesystems. */
  private static void link(Path from, Path to) throws IOException {
    try {
      Files.createLink(to, from);
    } catch (IOException | UnsupportedOperationException e) {
      Files.copy(from, to);
    }
  }

  /** Removes staged and doomed directories, and published ones without a row (a crash before the record). */
  private void sweep() {
    try {
      for (Path leftover : StagedDirs.leftovers(dir, "")) {
        StagedDirs.discard(leftover);
      }
      // A clone staged in vms/ and never published (or a VM directory a delete was removing).
      for (Path leftover : StagedDirs.leftovers(vms.stateDir().resolve("vms"), "")) {
        StagedDirs.discard(leftover);
      }
      if (!Files.isDirectory(dir)) {
        return;
      }
      Set<String> known = new HashSet<>();
      rows.list().forEach(s -> known.add(Path.of(s.dir()).getFileName().toString()));
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
        for (Path p : entries) {
          if (Files.isDirectory(p) && !known.contains(p.getFileName().toString())) {
            LOG.atInfo().addKeyValue("dir", p).log("removing a snapshot directory without a record");
            StagedDirs.remove(p);
          }
        }
      }
    } catch (IOException e) {
      LOG.atWarn().setCause(e).log("snapshot sweep incomplete");
    }
  }
}
