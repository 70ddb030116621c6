package dev.banger.rootdisk;

import dev.banger.host.Cleanup;
import dev.banger.host.CommandRunner;
import dev.banger.host.LoopDevices;
import dev.banger.host.LoopDevices.Detach;
import dev.banger.model.HandleSink;
import dev.banger.model.VmHandles;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device-mapper strategy: a read-only loop over the image, a loop over a sparse per-VM COW
 * file, and a persistent {@code snapshot} target {@code banger-<id>} combining them. A disk
 * larger than the image gets an origin {@code banger-<id>-origin} that pads the image with a
 * {@code zero} segment, so the guest can grow its filesystem into it.
 *
 * <p>The COW file persists across boots (the snapshot is persistent, "P"), so the guest's writes
 * survive stop and start; it is deleted only with the VM.
 */
public final class DmSnapshotDisk implements RootDisk {
  private static final Logger LOG = LoggerFactory.getLogger(DmSnapshotDisk.class);

  /** Loop and dm setup are serialised: loop allocation races, and so would a sweep. */
  static final ReentrantLock SETUP_LOCK = new ReentrantLock();

  /** Snapshot chunk size in 512-byte sectors (4 KiB, the ext4 block size). */
  static final int CHUNK_SECTORS = 8;

  private final LoopDevices loops;
  private final DmSetup dm;

  public DmSnapshotDisk(CommandRunner runner) {
    this(runner, d -> Thread.sleep(d.toMillis()));
  }

  DmSnapshotDisk(CommandRunner runner, DmSetup.Sleeper sleeper) {
    this(runner, new DmSetup(runner, sleeper));
  }

  DmSnapshotDisk(CommandRunner runner, DmSetup dm) {
    this.loops = new LoopDevices(Objects.requireNonNull(runner, "runner"));
    this.dm = Objects.requireNonNull(dm, "dm");
  }

  public static String targetName(String vmId) {
    return "banger-" + vmId;
  }

  public static String originName(String vmId) {
    return "banger-" + vmId + "-origin";
  }

  /** Room for every data chunk plus the exception-store metadata (16 bytes per chunk) and header. */
  static long cowSize(long diskBytes) {
    return diskBytes + diskBytes / 128 + (1L << 20);
  }

  @Override
  public RootDiskStrategy strategy() {
    return RootDiskStrategy.DM;
  }

  @Override
  public PreparedDisk prepare(DiskSpec spec, VmHandles current, HandleSink sink) {
    SETUP_LOCK.lock();
    try {
      long imageBytes = DiskFiles.imageSize(spec.image());
      long diskBytes = DiskFiles.diskSize(spec, imageBytes);
      PreparedDisk prepared = new PreparedDisk(strategy(), Path.of("/dev/mapper", targetName(spec.vmId())), diskBytes);
      if (current != null && isActive(spec, current)) {
        return prepared;
      }
      release(spec, current == null ? VmHandles.EMPTY : current, sink);
      DiskFiles.ensureSparse(spec.disk(), cowSize(diskBytes));
      build(spec, imageBytes, diskBytes, sink);
      return prepared;
    } finally {
      SETUP_LOCK.unlock();
    }
  }

  private void build(DiskSpec spec, long imageBytes, long diskBytes, HandleSink sink) {
    Deque<Runnable> undo = new ArrayDeque<>();
    try {
      String base = loops.attach(spec.image(), true);
      undo.push(() -> detach(base, spec.image(), sink, false));
      sink.apply(h -> h.withBaseLoop(base));

      String cow = loops.attach(spec.disk(), false);
      undo.push(() -> detach(cow, spec.disk(), sink, true));
      sink.apply(h -> h.withCowLoop(cow));

      String origin = base;
      long imageSectors = imageBytes / 512;
      long diskSectors = diskBytes / 512;
      if (diskSectors > imageSectors) {
        String name = originName(spec.vmId());
        undo.push(() -> dm.remove(name));
        // Read-only: its linear segment sits on the read-only base loop.
        dm.create(name, originTable(base, imageSectors, diskSectors), true);
        origin = "/dev/mapper/" + name;
      }
      String target = targetName(spec.vmId());
      String device = "/dev/mapper/" + target;
      // The name is fixed by the VM id: record it before the target exists.
      sink.apply(h -> h.withDm(target, device));
      undo.push(
          () -> {
            dm.remove(target);
            sink.apply(h -> h.withDm(null, null));
          });
      dm.create(target, snapshotTable(origin, cow, diskSectors), false);
    } catch (RuntimeException e) {
      while (!undo.isEmpty()) {
        try {
          undo.pop().run();
        } catch (RuntimeException undoFailure) {
          e.addSuppressed(undoFailure);
        }
      }
      throw e;
    }
  }

  static String originTable(String baseLoop, long imageSectors, long diskSectors) {
    return "0 " + imageSectors + " linear " + baseLoop + " 0\n"
        + imageSectors + " " + (diskSectors - imageSectors) + " zero\n";
  }

  static String snapshotTable(String origin, String cowLoop, long diskSectors) {
    return "0 " + diskSectors + " snapshot " + origin + " " + cowLoop + " P " + CHUNK_SECTORS + "\n";
  }

  @Override
  public boolean isActive(DiskSpec spec, VmHandles handles) {
    if (handles == null || handles.baseLoop() == null || handles.cowLoop() == null
        || !targetName(spec.vmId()).equals(handles.dmName())) {
      return false;
    }
    return dm.exists(handles.dmName())
        && loops.find(handles.baseLoop()).filter(l -> LoopDevices.samePath(l.backingPath(), spec.image())).isPresent()
        && loops.find(handles.cowLoop()).filter(l -> LoopDevices.samePath(l.backingPath(), spec.disk())).isPresent();
  }

  /**
   * Snapshot target, then origin, then the loops. The dm names come from the VM id, so they are
   * removed even when the handles were lost; a loop is detached only while it still backs this
   * VM's file (the kernel recycles loop numbers). Loops over the COW file that the handles do not
   * name are detached too: that file is this VM's alone.
   */
  @Override
  public void release(DiskSpec spec, VmHandles handles, HandleSink sink) {
    SETUP_LOCK.lock();
    try {
      new Cleanup()
          .step(() -> {
            if (dm.remove(targetName(spec.vmId())) != DmSetup.Removal.GONE || handles.dmName() != null) {
              sink.apply(h -> h.withDm(null, null));
            }
          })
          .step(() -> dm.remove(originName(spec.vmId())))
          .step(() -> {
            if (handles.cowLoop() != null) {
              detach(handles.cowLoop(), spec.disk(), sink, true);
            }
          })
          .step(() -> {
            for (LoopDevices.Loop loop : loops.list()) {
              if (LoopDevices.samePath(loop.backingPath(), spec.disk())) {
                loops.detachUnchecked(loop.device());
              }
            }
          })
          .step(() -> {
            if (handles.baseLoop() != null) {
              detach(handles.baseLoop(), spec.image(), sink, false);
            }
          })
          .finish();
    } finally {
      SETUP_LOCK.unlock();
    }
  }

  private void detach(String device, Path backing, HandleSink sink, boolean cow) {
    if (loops.detach(device, backing) == Detach.NOT_OURS) {
      // The kernel recycled the number for someone else's file: forget it, never touch it.
      LOG.warn("{} no longer backs {}; leaving it alone and dropping it from the VM's handles", device, backing);
    }
    sink.apply(h -> cow ? (device.equals(h.cowLoop()) ? h.withCowLoop(null) : h)
        : (device.equals(h.baseLoop()) ? h.withBaseLoop(null) : h));
  }

  @Override
  public void delete(DiskSpec spec) {
    DiskFiles.delete(spec.disk());
  }
}
