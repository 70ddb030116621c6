package dev.banger.vmm;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.Cleanup;
import dev.banger.host.MountTable;
import dev.banger.host.TreeFiles;
import dev.banger.model.HandleSink;
import dev.banger.model.VmHandles;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Removes what a jailed VMM leaves behind — its jail directory and its cgroup — from the paths
 * recorded in its handles alone, whatever the daemon's configuration is now. Call it once the
 * VMM process is gone. "Already gone" counts as success.
 */
public final class JailCleanup {
  private static final Path MOUNTINFO = MountTable.SELF;

  private JailCleanup() {}

  /** Removes the recorded cgroup and jail directory, clearing each handle once it is gone. */
  public static void remove(String vmId, VmHandles handles, HandleSink sink) {
    Cleanup cleanup = new Cleanup();
    if (handles.cgroupDir() != null) {
      cleanup.step(() -> {
        removeCgroup(Path.of(handles.cgroupDir()), vmId);
        sink.apply(h -> h.withJail(h.jailDir(), null));
      });
    }
    if (handles.jailDir() != null) {
      cleanup.step(() -> {
        deleteTree(Path.of(handles.jailDir()), vmId);
        sink.apply(h -> h.withJail(null, h.cgroupDir()));
      });
    }
    cleanup.finish();
  }

  /**
   * Deletes a jail directory and everything in it, without following symlinks. Refuses a
   * directory not named after the VM (a damaged record must not aim this elsewhere) and a tree
   * that holds a mount point: deleting through a bind mount would reach outside the jail.
   */
  public static void deleteTree(Path dir, String vmId) {
    deleteTree(dir, vmId, MOUNTINFO);
  }

  static void deleteTree(Path dir, String vmId, Path mountinfo) {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!dir.isAbsolute() || !dir.getFileName().toString().equals(vmId) || Files.isSymbolicLink(dir)) {
      throw BangerException.precondition("refusing to delete " + dir + " as the jail of VM " + vmId
          + ": it is not an absolute directory named after the VM");
    }
    List<String> mounts = mountPointsUnder(dir, mountinfo);
    if (!mounts.isEmpty()) {
      throw BangerException.precondition("Tried to delete the jail " + dir + " but " + mounts
          + " is mounted inside it; unmount it first (banger never deletes through a mount)");
    }
    try {
      TreeFiles.deleteRecursively(dir);
    } catch (IOException e) {
      throw new BangerException(ErrorKind.INTERNAL, "cannot delete the jail " + dir + ": " + e, e);
    }
  }

  /** How long a removal waits for a just-killed VMM's last threads to leave its cgroup. */
  static final Duration CGROUP_SETTLE = Duration.ofSeconds(5);

  /**
   * Removes a VM's cgroup (rmdir: a cgroup with processes or children in it stays, and says so).
   * A SIGKILLed VMM looks gone (its /proc cmdline empties) while its other threads are still
   * exiting inside the cgroup, which rmdir refuses with EBUSY: so a busy cgroup is retried every
   * 10 ms for at most {@link #CGROUP_SETTLE}.
   */
  public static void removeCgroup(Path dir, String vmId) {
    removeCgroup(dir, vmId, CGROUP_SETTLE);
  }

  static void removeCgroup(Path dir, String vmId, Duration settle) {
    if (!dir.isAbsolute() || !dir.getFileName().toString().equals(vmId)) {
      throw BangerException.precondition("refusing to remove " + dir + " as the cgroup of VM " + vmId);
    }
    long deadline = System.nanoTime() + settle.toNanos();
    while (true) {
      try {
        Files.deleteIfExists(dir);
        return;
      } catch (DirectoryNotEmptyException e) {
        throw BangerException.precondition("cannot remove the cgroup " + dir + ": it has child cgroups");
      } catch (FileSystemException e) {
        if (System.nanoTime() - deadline >= 0 || !pause()) {
          throw BangerException.precondition("cannot remove the cgroup " + dir + ": " + e.getReason()
              + " (a process may still be in it: " + dir.resolve("cgroup.procs") + ")");
        }
      } catch (IOException e) {
        throw new BangerException(ErrorKind.INTERNAL, "cannot remove the cgroup " + dir + ": " + e.getMessage(), e);
      }
    }
  }

  private static boolean pause() {
    try {
      Thread.sleep(10);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Mount points at or below {@code dir} in this mount namespace. */
  static List<String> mountPointsUnder(Path dir, Path mountinfo) {
    try {
      return MountTable.mountPointsUnder(dir, mountinfo);
    } catch (IOException e) {
      throw new BangerException(ErrorKind.INTERNAL, "cannot read " + mountinfo + ": " + e.getMessage(), e);
    }
  }
}
