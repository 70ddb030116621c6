package dev.banger.image.ext4;

import dev.banger.image.model.TreeWalk;
import dev.banger.image.model.Inode;
import dev.banger.image.model.Kind;
import dev.banger.image.model.Meta;
import dev.banger.image.model.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One instruction for {@link ApplyOwnership}: set the owner and full mode of an existing path, or
 * create a special file (device node or FIFO) there first.
 *
 * @param path absolute path inside the image, e.g. {@code /usr/bin/passwd}
 * @param kind what the path is (or, for special files, becomes)
 * @param meta owner and permission bits (including setuid/setgid/sticky)
 * @param major device major (devices only)
 * @param minor device minor (devices only)
 */
public record OwnershipEntry(String path, Kind kind, Meta meta, int major, int minor) {
  public OwnershipEntry {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(meta, "meta");
    if (kind == Kind.HARDLINK) {
      throw new IllegalArgumentException("hardlink is not an inode kind");
    }
    if (major < 0 || minor < 0) {
      throw new IllegalArgumentException("negative device number for " + path);
    }
  }

  /** True when the path does not exist yet and ApplyOwnership must create it. */
  public boolean creates() {
    return kind.isSpecial();
  }

  /** The full st_mode: type bits plus permission bits. */
  public int fullMode() {
    return kind.typeBits() | meta.mode();
  }

  /**
   * What the offline builder needs applied after {@code mke2fs -d} of a staging tree: the root,
   * every special file, and every name whose owner is not root or whose mode has setuid, setgid
   * or sticky bits (the staging tree holds neither).
   */
  public static List<OwnershipEntry> fromTree(Node root) {
    List<OwnershipEntry> entries = new ArrayList<>();
    TreeWalk.walk(root, "", (path, node) -> {
      Inode inode = node.inode();
      Meta meta = inode.meta();
      if (path.isEmpty()) {
        entries.add(new OwnershipEntry("/", Kind.DIRECTORY, Meta.ROOT_DIR, 0, 0));
      } else if (inode.kind().isSpecial() || meta.uid() != 0 || meta.gid() != 0 || meta.hasSpecialBits()) {
        entries.add(new OwnershipEntry("/" + path, inode.kind(), meta, inode.major(), inode.minor()));
      }
    });
    return entries;
  }
}
