package dev.banger.image;

import dev.banger.host.CommandRunner;
import dev.banger.image.ext4.ImageBuilder;
import dev.banger.image.ext4.MountBuilder;
import dev.banger.image.ext4.OfflineBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which ext4 builder an import uses (DESIGN.md, "Images"): the one asked for, else the daemon's
 * default; {@code auto} is mount where the daemon can loop-mount, else offline.
 */
final class ImageBuilders {
  private final CommandRunner runner;
  private final BuilderChoice defaultBuilder;
  private volatile Boolean canMount;

  ImageBuilders(CommandRunner runner, BuilderChoice defaultBuilder) {
    this.runner = runner;
    this.defaultBuilder = defaultBuilder;
  }

  /** The builder for {@code choice}, null for the daemon's default. */
  ImageBuilder builder(BuilderChoice choice) {
    BuilderChoice c = choice != null ? choice : defaultBuilder;
    if (c == BuilderChoice.AUTO) {
      c = canLoopMount() ? BuilderChoice.MOUNT : BuilderChoice.OFFLINE;
    }
    return c == BuilderChoice.MOUNT ? new MountBuilder(runner) : new OfflineBuilder(runner);
  }

  /** Root with a loop-control device and a free loop: the mount builder can work here. */
  boolean canLoopMount() {
    Boolean known = canMount;
    if (known == null) {
      boolean root;
      try {
        root = ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
      } catch (IOException | UnsupportedOperationException e) {
        root = false;
      }
      known = root && Files.exists(Path.of("/dev/loop-control"))
          && runner.run(dev.banger.host.Command.of("losetup", "--find")).ok();
      canMount = known;
    }
    return known;
  }
}
