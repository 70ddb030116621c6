package dev.banger.daemon;

import dev.banger.api.CallerPaths;
import dev.banger.error.BangerException;
import dev.banger.host.ReadAsUser;
import dev.banger.host.TreeFiles;
import dev.banger.host.UserAccount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link CallerPaths} for the daemon: root's paths as given; a non-root caller's path is read with
 * their own credentials ({@link ReadAsUser}) into {@code <state dir>/imports/}, and the import
 * reads that copy. Why a copy rather than checking the caller's permissions and then opening the
 * path as root: a check and a later open are two lookups, and a caller who owns a directory on the
 * way can swap in a symlink between them; re-implementing the kernel's rules (ACLs, every path
 * component) is also easy to get wrong. An open made as the caller is checked by the kernel
 * itself, once. The cost is one copy of what a non-root caller imports.
 */
final class ImportStaging implements CallerPaths {
  private static final Logger LOG = LoggerFactory.getLogger(ImportStaging.class);
  /** Free space an import copy leaves untouched, so a copy never fills the state directory. */
  private static final long RESERVE_BYTES = 256L << 20;

  private final Path dir;
  private final ReadAsUser reader;

  ImportStaging(Path stateDir, ReadAsUser reader) {
    this.dir = stateDir.resolve("imports");
    this.reader = reader;
  }

  /** Removes copies a crashed daemon left, and makes the directory (0700). */
  void reset() {
    try {
      TreeFiles.deleteRecursively(dir);
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (IOException e) {
      throw BangerException.precondition("cannot prepare " + dir + ": " + e.getMessage());
    }
  }

  @Override
  public Staged stage(UserAccount caller, Path path, java.util.List<String> directoryMembers) {
    if (caller.isRoot()) {
      return AS_GIVEN.stage(caller, path, directoryMembers);
    }
    Path copy = dir.resolve(UUID.randomUUID().toString());
    try {
      long room = Math.max(0, Files.getFileStore(dir).getUsableSpace() - RESERVE_BYTES);
      ReadAsUser.Kind kind = reader.copy(caller, path, copy, room, directoryMembers);
      LOG.atInfo().addKeyValue("uid", caller.uid()).addKeyValue("path", path).addKeyValue("kind", kind)
          .addKeyValue("bytes", Files.size(copy)).log("copied a caller's file, read as the caller");
    } catch (IOException | RuntimeException e) {
      deleteQuietly(copy);
      throw e instanceof IOException io ? BangerException.internal("cannot stage " + path + ": " + io.getMessage(), io)
          : (RuntimeException) e;
    }
    return new Staged() {
      @Override
      public Path path() {
        return copy;
      }

      @Override
      public void close() {
        deleteQuietly(copy);
      }
    };
  }

  private static void deleteQuietly(Path copy) {
    try {
      Files.deleteIfExists(copy);
    } catch (IOException e) {
      LOG.atWarn().addKeyValue("path", copy).log("could not remove an import copy: " + e.getMessage());
    }
  }
}
