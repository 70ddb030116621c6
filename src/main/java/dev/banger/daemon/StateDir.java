package dev.banger.daemon;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.ProcFs;
import dev.banger.host.TreeFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the state directory private before anything is read from it: owned by the daemon's user
 * (a directory another user owns is refused — they could swap what the daemon trusts), mode
 * 0700 (a looser one is fixed, and logged), and everything inside owner-only (files an older
 * banger or a loose umask left readable are fixed, and counted in the log). The database, images,
 * kernels, VM disks and console logs all hold guest data.
 */
final class StateDir {
  private static final Logger LOG = LoggerFactory.getLogger(StateDir.class);

  private StateDir() {}

  static void secure(Path dir, ProcFs proc) {
    ProcFs.Self self = proc.self();
    try {
      if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectories(dir.getParent());
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      if (!Files.isDirectory(dir)) {
        throw refuse(dir + " is not a directory");
      }
      int owner = (Integer) Files.getAttribute(dir, "unix:uid");
      if (owner != self.euid()) {
        throw refuse(dir + " belongs to uid " + owner + ", not to the daemon's uid " + self.euid()
            + "; its owner could change what the daemon trusts. Use a directory of the daemon's user (chown it) or another --state-dir");
      }
      int mode = (Integer) Files.getAttribute(dir, "unix:mode") & 07777;
      List<Path> tightened = TreeFiles.restrictToOwner(dir);
      if ((mode & 077) != 0) {
        LOG.atWarn().addKeyValue("stateDir", dir).addKeyValue("was", String.format("%04o", mode))
            .log("state directory was readable by other users; made it 0700");
      }
      long inside = tightened.stream().filter(p -> !p.equals(dir)).count();
      if (inside > 0) {
        LOG.atWarn().addKeyValue("stateDir", dir).addKeyValue("files", inside)
            .addKeyValue("first", tightened.stream().filter(p -> !p.equals(dir)).findFirst().orElse(null))
            .log("made files in the state directory owner-only");
      }
    } catch (IOException e) {
      throw new BangerException(ErrorKind.FAILED_PRECONDITION, "cannot secure the state directory " + dir + ": " + e.getMessage(), e);
    }
    if ((self.umask() & 077) != 077) {
      LOG.atWarn().addKeyValue("umask", String.format("%04o", self.umask()))
          .log("the daemon's umask lets new files be read by other users; run it through bin/banger or the systemd unit (umask 077)");
    }
  }

  private static BangerException refuse(String why) {
    return new BangerException(ErrorKind.FAILED_PRECONDITION, "refusing the state directory: " + why);
  }
}
