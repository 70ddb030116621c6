package dev.banger.image;

import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import dev.banger.host.MountTable;
import dev.banger.host.TreeFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import dev.banger.store.StagedDirs;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Cleans what an interrupted build or removal left under {@code <state>/images}: {@code .new-*}
 * build directories (first their mount and loop device, which only banger's builders create
 * there) and {@code .rm-*} directories of half-finished removals. Everything it touches is
 * recognised by name and location; it never touches anything else.
 */
final class LeftoverSweeper {
  private final CommandRunner runner;
  private final Path imagesDir;

  LeftoverSweeper(CommandRunner runner, Path imagesDir) {
    this.runner = runner;
    this.imagesDir = imagesDir;
  }

  void sweep() {
    if (!Files.isDirectory(imagesDir)) {
      return;
    }
    try {
      for (Path dir : StagedDirs.leftovers(imagesDir, "")) {
        Path mnt = dir.resolve("mnt");
        if (isMountPoint(mnt)) {
          if (!runner.run(dev.banger.host.Command.of("umount", mnt.toString())).ok()) {
            runner.run(dev.banger.host.Command.of("umount", "-l", mnt.toString()));
          }
        }
        Path image = dir.resolve("rootfs.ext4");
        if (Files.exists(image)) {
          CommandResult loops = runner.run(dev.banger.host.Command.of("losetup", "-j", image.toString()));
          for (String line : loops.stdout().lines().toList()) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.startsWith("/dev/loop")) {
              runner.run(dev.banger.host.Command.of("losetup", "-d", line.substring(0, colon)));
            }
          }
        }
        TreeFiles.deleteRecursively(dir);
      }
    } catch (IOException e) {
      // The sweep runs again at the next start; a leftover directory harms nothing meanwhile.
    }
  }

  static boolean isMountPoint(Path path) {
    return MountTable.isMountPoint(path);
  }
}
