package dev.banger.host;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Creates state-directory files owner-only (directories 0700, files 0600) whatever the umask:
 * VM directories, disks and console logs hold guest data. The daemon's umask (077, set by the
 * launcher and the unit) covers what other programs create.
 */
public final class PrivateFiles {
  private static final FileAttribute<Set<PosixFilePermission>> DIR =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
  private static final FileAttribute<Set<PosixFilePermission>> FILE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  private PrivateFiles() {}

  /** {@link Files#createDirectories}, each directory it makes 0700. */
  public static Path directories(Path dir) throws IOException {
    return Files.createDirectories(dir, DIR);
  }

  /** Creates {@code file} empty and 0600 unless it exists; true when it did. */
  public static boolean file(Path file) throws IOException {
    try {
      Files.createFile(file, FILE);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    }
  }
}
