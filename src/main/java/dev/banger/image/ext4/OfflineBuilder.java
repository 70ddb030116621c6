package dev.banger.image.ext4;

import dev.banger.host.TreeFiles;
import dev.banger.host.CommandRunner;
import dev.banger.image.model.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The builder for hosts that cannot loop-mount: the layers are flattened into a private staging
 * directory that never holds device nodes, FIFOs or setuid/setgid files and whose files all stay
 * owned by root; {@code mke2fs -d} copies it into a new ext4; {@link ApplyOwnership} then sets
 * owners, special mode bits and special files with one debugfs script; {@code e2fsck -fn} last.
 */
public final class OfflineBuilder implements ImageBuilder {
  private final CommandRunner runner;
  private final ApplyOwnership ownership;

  public OfflineBuilder(CommandRunner runner) {
    this.runner = runner;
    this.ownership = new ApplyOwnership(runner);
  }

  @Override
  public String name() {
    return "offline";
  }

  @Override
  public void build(Path workDir, Path image, long sizeBytes, long inodes, Layers layers) throws IOException {
    Path staging = Files.createDirectory(workDir.resolve("staging"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Node root = layers.applyTo(FsTreeWriter.staging(staging));
    Ext4.mkfs(runner, image, sizeBytes, inodes, staging);
    TreeFiles.deleteRecursively(staging);
    ownership.apply(image, OwnershipEntry.fromTree(root));
    Ext4.fsck(runner, image);
  }
}
