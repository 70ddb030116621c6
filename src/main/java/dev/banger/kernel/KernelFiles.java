package dev.banger.kernel;

import dev.banger.error.BangerException;
import dev.banger.host.TreeFiles;
import dev.banger.store.StagedDirs;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * The kernel store on disk: {@code <state>/kernels/<id>/{vmlinux,bzImage,initrd.img}}. A kernel is
 * built in a {@link StagedDirs} directory beside its final place and published by one rename; it
 * is removed by renaming it first. A crash therefore leaves only names the startup sweep
 * recognises (STYLE.md 3).
 */
final class KernelFiles {
  static final String VMLINUX = "vmlinux";
  static final String BZIMAGE = "bzImage";
  static final String INITRD = "initrd.img";

  private final Path dir;

  KernelFiles(Path kernelsDir) {
    this.dir = kernelsDir;
  }

  Path dir() {
    return dir;
  }

  Path kernelDir(String id) {
    return dir.resolve(id);
  }

  /** A fresh, empty work directory on the same file system as the store. */
  Path newWorkDir() {
    try {
      return StagedDirs.create(dir);
    } catch (IOException e) {
      throw BangerException.precondition("Tried to create a work directory under " + dir + " but failed: " + e
          + "; check that the state directory is writable");
    }
  }

  /** Fsyncs every file in {@code work}, renames it to the kernel's directory and fsyncs the store. */
  Path publish(Path work, String id) throws IOException {
    StagedDirs.syncFiles(work);
    return StagedDirs.publish(work, kernelDir(id));
  }

  /** Removes a published kernel directory, renaming it out of the way first. */
  void delete(String id) throws IOException {
    StagedDirs.remove(kernelDir(id));
  }

  /** Best-effort removal of a work directory; the sweep catches what this misses. */
  static void discard(Path work) {
    StagedDirs.discard(work);
  }

  /**
   * Deletes {@code .new-*} and {@code .rm-*} leftovers, and kernel directories no row names (a
   * crash between the publishing rename and the insert). Only for daemon start-up, before any
   * import can be running.
   */
  int sweep(Predicate<String> isKnownId) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    int removed = 0;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        boolean leftover = StagedDirs.isLeftover(name, "")
            || (KernelNames.ID.matcher(name).matches() && !isKnownId.test(name));
        if (leftover && Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          TreeFiles.deleteRecursively(p);
          removed++;
        }
      }
    } catch (IOException e) {
      // The sweep runs again at the next start; a leftover directory harms nothing meanwhile.
    }
    return removed;
  }
}
