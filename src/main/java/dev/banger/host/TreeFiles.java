package dev.banger.host;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Recursive walks that never follow links and never descend into another file system: a delete,
 * and a tightening of modes to owner-only.
 */
public final class TreeFiles {
  private TreeFiles() {}

  public static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Object device = Files.getAttribute(dir, "unix:dev", java.nio.file.LinkOption.NOFOLLOW_LINKS);
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
        // A mount point (still mounted after a failed unmount) must never be emptied.
        if (!device.equals(Files.getAttribute(d, "unix:dev", java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
          throw new IOException("refusing to delete " + d + ": it is a mount point of another file system");
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /**
   * Removes every group and other permission bit under {@code dir} (itself included), leaving the
   * owner's bits as they are; returns what changed. Symbolic links are left alone (chmod would
   * follow them) and mount points of other file systems are not entered (a half-built image's
   * mount, say).
   */
  public static java.util.List<Path> restrictToOwner(Path dir) throws IOException {
    java.util.List<Path> changed = new java.util.ArrayList<>();
    Object device = Files.getAttribute(dir, "unix:dev", java.nio.file.LinkOption.NOFOLLOW_LINKS);
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
        if (!device.equals(Files.getAttribute(d, "unix:dev", java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
          return FileVisitResult.SKIP_SUBTREE;
        }
        restrict(d);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (!attrs.isSymbolicLink()) {
          restrict(file);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof java.nio.file.NoSuchFileException) {
          return FileVisitResult.CONTINUE; // Removed while we walked.
        }
        throw e;
      }

      private void restrict(Path p) throws IOException {
        int mode = (Integer) Files.getAttribute(p, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if ((mode & 077) != 0) {
          // chmod(2) by path: the JDK's no-follow variant opens the file, which blocks on a FIFO.
          // p is no link (checked above), and only the owner can change the tree meanwhile.
          Files.setAttribute(p, "unix:mode", mode & 07700);
          changed.add(p);
        }
      }
    });
    return changed;
  }
}
