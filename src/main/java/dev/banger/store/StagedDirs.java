package dev.banger.store;

import dev.banger.host.TreeFiles;
import dev.banger.model.RandomIds;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Publish and delete directories by rename (STYLE.md 3): a directory is built in
 * {@code <owner>.new-<random>} beside its final place and published by one rename; it is deleted
 * by renaming it to {@code <owner>.rm-<random>} first. A crash therefore leaves only names that
 * {@link #leftovers} recognises. The kernel store, the image store, VM directories and banger's
 * ssh key all go through here.
 */
public final class StagedDirs {
  public static final String NEW = ".new-";
  public static final String RM = ".rm-";

  private StagedDirs() {}

  /** A fresh, empty, owner-only {@code .new-<random>} directory in {@code parent} (made if missing). */
  public static Path create(Path parent) throws IOException {
    return create(parent, "");
  }

  /** As {@link #create(Path)}, named {@code <owner>.new-<random>} so several kinds can share a parent. */
  public static Path create(Path parent, String owner) throws IOException {
    Files.createDirectories(parent);
    return Files.createDirectory(parent.resolve(owner + NEW + RandomIds.hex(8)),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
  }

  /** Fsyncs every regular file directly in {@code dir}, so a rename publishes whole files. */
  public static void syncFiles(Path dir) throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
          try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            ch.force(true);
          }
        }
      }
    }
  }

  /** Renames {@code staged} to {@code target} in one step and makes the rename durable. */
  public static Path publish(Path staged, Path target) throws IOException {
    Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
    AtomicFiles.fsyncDirectory(target.toAbsolutePath().getParent());
    return target;
  }

  /**
   * Deletes {@code dir} (no-op when absent): renamed to {@code .rm-<name>-<random>} first, then
   * removed without following links or entering a mount ({@link TreeFiles}).
   */
  public static void remove(Path dir) throws IOException {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Path doomed = dir.resolveSibling(RM + dir.getFileName() + "-" + RandomIds.hex(4));
    Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
    TreeFiles.deleteRecursively(doomed);
  }

  /** Best-effort removal of a staged directory; a start-up sweep catches what this misses. */
  public static void discard(Path staged) {
    try {
      TreeFiles.deleteRecursively(staged);
    } catch (IOException e) {
      // Left for the sweep, which recognises .new- directories.
    }
  }

  /** Whether {@code name} is a staged or doomed directory of {@code owner} ("" for a parent of one kind). */
  public static boolean isLeftover(String name, String owner) {
    return name.startsWith(owner + NEW) || name.startsWith(owner + RM);
  }

  /** The {@code <owner>.new-*} and {@code <owner>.rm-*} directories in {@code parent}, for a sweep. */
  public static List<Path> leftovers(Path parent, String owner) throws IOException {
    List<Path> found = new ArrayList<>();
    if (!Files.isDirectory(parent)) {
      return found;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent)) {
      for (Path p : entries) {
        if (isLeftover(p.getFileName().toString(), owner) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          found.add(p);
        }
      }
    }
    return found;
  }
}
