package dev.banger.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.store.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a crash mid-build leaves (a mounted, loop-attached .new- directory) is swept at start. */
class LeftoverSweepIT {
  @TempDir Path tmp;

  @Test
  void sweepReleasesMountAndLoopAndDeletesBuildDirectories() throws Exception {
    ImageTestSupport.assumeLoopMount();
    Path state = Files.createDirectory(tmp.resolve("state"));
    Path work = Files.createDirectories(state.resolve("images/.new-0123456789abcdef"));
    Path removing = Files.createDirectories(state.resolve("images/.rm-0123456789abcdef/x"));
    Path image = work.resolve("rootfs.ext4");
    Path mnt = Files.createDirectory(work.resolve("mnt"));
    ImageTestSupport.run("truncate", "-s", "16M", image.toString());
    ImageTestSupport.run("mke2fs", "-q", "-t", "ext4", image.toString());
    String loop = ImageTestSupport.run("losetup", "--find", "--show", image.toString()).stdout().strip();
    try {
      ImageTestSupport.run("mount", "-o", "nodev,nosuid,noexec", loop, mnt.toString());
      Files.writeString(mnt.resolve("half-written"), "x");
      assertThat(ImageTestSupport.leftovers(state)).isNotEmpty();
      try (Database db = Database.open(state.resolve("banger.db"))) {
        new ImageService(state, db, ImageTestSupport.RUNNER, BuilderChoice.MOUNT).sweepLeftovers();
      }
      assertThat(ImageTestSupport.leftovers(state)).isEmpty();
      assertThat(work).doesNotExist();
      assertThat(removing.getParent()).doesNotExist();
    } finally {
      // belt and braces if the sweep failed: never leave the test's loop or mount behind
      ImageTestSupport.RUNNER.run(dev.banger.host.Command.of("umount", mnt.toString()));
      ImageTestSupport.RUNNER.run(dev.banger.host.Command.of("losetup", "-d", loop));
    }
  }
}
