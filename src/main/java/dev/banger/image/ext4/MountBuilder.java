package dev.banger.image.ext4;

import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fast builder: an empty ext4 of the computed size is attached to a loop device and mounted
 * {@code nodev,nosuid,noexec}, the layers are written straight into it (the kernel does the
 * ext4 work), then it is unmounted, detached and checked with {@code e2fsck -fn}.
 */
public final class MountBuilder implements ImageBuilder {
  private final CommandRunner runner;

  public MountBuilder(CommandRunner runner) {
    this.runner = runner;
  }

  @Override
  public String name() {
    return "mount";
  }

  @Override
  public void build(Path workDir, Path image, long sizeBytes, long inodes, Layers layers) throws IOException {
    Ext4.mkfs(runner, image, sizeBytes, inodes, null);
    Path mnt = Files.createDirectory(workDir.resolve("mnt"));
    String loop = runner.check("losetup", "--find", "--show", image.toString()).stdout().strip();
    try {
      runner.check("mount", "-t", "ext4", "-o", "nodev,nosuid,noexec", loop, mnt.toString());
      try {
        // The fresh file system's lost+found would collide with an image that ships one (images
        // made from ext4 often do); e2fsck wants one, so it is put back if the image has none.
        Path lostFound = mnt.resolve("lost+found");
        Files.delete(lostFound);
        layers.applyTo(FsTreeWriter.mounted(mnt, runner));
        if (!Files.exists(lostFound, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectory(lostFound);
          Files.setAttribute(lostFound, "unix:mode", 0700);
        }
      } finally {
        unmount(mnt);
      }
    } finally {
      detach(loop);
    }
    Ext4.fsck(runner, image);
  }

  private void unmount(Path mnt) {
    CommandResult result = runner.run(Command.of("umount", mnt.toString()).withTimeout(Ext4.LONG));
    if (!result.ok()) {
      // A busy mount must not stay behind: detach it lazily so the loop can go too.
      runner.check("umount", "-l", mnt.toString());
    }
  }

  private void detach(String loop) {
    runner.check("losetup", "-d", loop);
  }
}
