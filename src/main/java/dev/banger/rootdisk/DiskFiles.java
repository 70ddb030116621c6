package dev.banger.rootdisk;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.store.AtomicFiles;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/** Sparse per-VM files: created by publish-by-rename, grown but never shrunk. */
final class DiskFiles {
  /** Temporary files are named so a crash leaves only something a sweep can recognise. */
  static final String NEW_PREFIX = ".new-";

  private DiskFiles() {}

  static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw BangerException.precondition("Tried to read the size of " + file + " but failed: " + e.getMessage());
    }
  }

  /** A temporary path beside {@code target}, on the same filesystem so the rename is atomic. */
  static Path tempBeside(Path target) {
    return target.resolveSibling(NEW_PREFIX + target.getFileName() + "-" + UUID.randomUUID());
  }

  /**
   * Removes temporaries a crash left beside {@code target} ({@code .new-<name>-<uuid>}); they are
   * recognisable by name and never the VM's disk itself.
   */
  static void removeStaleTemps(Path target) throws IOException {
    Path dir = target.getParent();
    if (!Files.isDirectory(dir)) {
      return;
    }
    String prefix = NEW_PREFIX + target.getFileName() + "-";
    try (var entries = Files.newDirectoryStream(dir, entry -> entry.getFileName().toString().startsWith(prefix))) {
      for (Path entry : entries) {
        Files.deleteIfExists(entry);
      }
    }
  }

  /** Creates {@code file} sparse at {@code size} unless it exists; grows it if it is smaller. */
  static void ensureSparse(Path file, long size) {
    try {
      dev.banger.host.PrivateFiles.directories(file.getParent());
      removeStaleTemps(file);
      if (!Files.exists(file)) {
        Path temp = tempBeside(file);
        try {
          grow(temp, size);
          Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
          AtomicFiles.fsyncDirectory(file.getParent());
        } finally {
          Files.deleteIfExists(temp);
        }
      } else {
        grow(file, size);
      }
    } catch (IOException e) {
      throw new BangerException(
          ErrorKind.FAILED_PRECONDITION,
          "Tried to create the sparse disk file " + file + " (" + size + " bytes) but failed: " + e.getMessage(),
          e);
    }
  }

  /** Extends a file with a hole up to {@code size}; a larger file is left as it is. */
  static void grow(Path file, long size) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      if (raf.length() < size) {
        raf.setLength(size);
      }
      raf.getFD().sync();
    }
  }

  /** Deletes the file; a missing one is success. */
  static void delete(Path file) {
    try {
      if (Files.deleteIfExists(file)) {
        AtomicFiles.fsyncDirectory(file.getParent());
      }
    } catch (IOException e) {
      throw BangerException.precondition("Tried to delete " + file + " but failed: " + e.getMessage());
    }
  }

  /** The size the guest sees: the request rounded up to whole sectors, at least the image. */
  static long diskSize(DiskSpec spec, long imageBytes) {
    if (spec.sizeBytes() == 0) {
      return imageBytes;
    }
    long rounded = (spec.sizeBytes() + 511) / 512 * 512;
    if (rounded < imageBytes) {
      throw BangerException.invalid(
          "the disk size " + spec.sizeBytes() + " bytes is smaller than the image (" + imageBytes
              + " bytes); give a larger --disk-size or leave it out");
    }
    return rounded;
  }

  static long imageSize(Path image) {
    if (!Files.isRegularFile(image)) {
      throw BangerException.notFound("the image file " + image + " does not exist or is not a regular file");
    }
    return size(image);
  }
}
