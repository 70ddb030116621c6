package dev.banger.rootdisk;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import dev.banger.model.HandleSink;
import dev.banger.model.VmHandles;
import dev.banger.store.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;

/**
 * The copy strategy, for hosts without device-mapper: each VM gets its own file, a reflink clone
 * of the image where the filesystem supports it (btrfs, xfs: instant and shares blocks until
 * written), else a sparse copy, grown to the disk size. It holds no kernel devices, so release
 * has nothing to do and there are no handles to report.
 */
public final class CopyDisk implements RootDisk {
  private final CommandRunner runner;

  public CopyDisk(CommandRunner runner) {
    this.runner = Objects.requireNonNull(runner, "runner");
  }

  @Override
  public RootDiskStrategy strategy() {
    return RootDiskStrategy.COPY;
  }

  @Override
  public PreparedDisk prepare(DiskSpec spec, VmHandles current, HandleSink sink) {
    long imageBytes = DiskFiles.imageSize(spec.image());
    long diskBytes = DiskFiles.diskSize(spec, imageBytes);
    try {
      if (!Files.exists(spec.disk())) {
        dev.banger.host.PrivateFiles.directories(spec.disk().getParent());
        DiskFiles.removeStaleTemps(spec.disk());
        Path temp = DiskFiles.tempBeside(spec.disk());
        try {
          copy(spec.image(), temp);
          DiskFiles.grow(temp, diskBytes);
          Files.move(temp, spec.disk(), StandardCopyOption.ATOMIC_MOVE);
          AtomicFiles.fsyncDirectory(spec.disk().getParent());
        } finally {
          Files.deleteIfExists(temp);
        }
      } else {
        // The VM's own disk from an earlier boot: keep its contents, honour a larger size.
        DiskFiles.grow(spec.disk(), diskBytes);
      }
    } catch (IOException e) {
      throw new BangerException(
          ErrorKind.FAILED_PRECONDITION,
          "Tried to create the disk " + spec.disk() + " from " + spec.image() + " but failed: " + e.getMessage(),
          e);
    }
    return new PreparedDisk(strategy(), spec.disk(), Math.max(diskBytes, DiskFiles.size(spec.disk())));
  }

  /**
   * FICLONE needs an ioctl, which the JDK cannot issue at release 21 without preview native
   * access; GNU cp issues it for us with --reflink=auto and falls back to a copy that keeps the
   * image's holes (--sparse=always), which is exactly the policy we want.
   */
  private void copy(Path image, Path target) {
    cloneFile(runner, image, target);
  }

  /** Copies {@code from} to {@code target}: a reflink where the filesystem supports it, else a sparse copy. */
  static void cloneFile(CommandRunner runner, Path from, Path target) {
    CommandResult result =
        runner.run(
            Command.of("cp", "--reflink=auto", "--sparse=always", from.toString(), target.toString())
                .withTimeout(java.time.Duration.ofMinutes(10)));
    if (!result.ok()) {
      throw BangerException.precondition(
          "Tried to copy " + from + " to " + target + " but `cp` failed: " + result.stderr().strip()
              + " (is there enough free space in the state directory?)");
    }
  }

  @Override
  public boolean isActive(DiskSpec spec, VmHandles handles) {
    return Files.isRegularFile(spec.disk());
  }

  @Override
  public void release(DiskSpec spec, VmHandles handles, HandleSink sink) {
    // No kernel devices to remove; the file is the VM's disk and stays until delete.
  }

  @Override
  public void delete(DiskSpec spec) {
    DiskFiles.delete(spec.disk());
  }
}
