package dev.banger.image;

import dev.banger.image.model.TreeWalk;

/**
 * How big an ext4 file an image gets: its data blocks plus ext4's own needs (inode table,
 * journal, group metadata) is the minimum; the default adds a margin and a floor so that tiny
 * images boot with room to write.
 *
 * @param contentBytes bytes in data blocks (files, directories, long symlinks)
 * @param minimumBytes below this the content cannot fit
 * @param sizeBytes the default size
 * @param inodes inodes to ask mke2fs for
 */
public record Sizing(long contentBytes, long minimumBytes, long sizeBytes, long inodes) {
  static Sizing of(TreeWalk.Stats stats) {
    long data = stats.dataBlocks() * 4096;
    long inodes = stats.inodes() + stats.inodes() / 4 + 1024;
    long journal = data < 100 * ImageService.MIB ? 4 * ImageService.MIB
        : data < 900 * ImageService.MIB ? 32 * ImageService.MIB : 64 * ImageService.MIB;
    long minimum = data + data / 32 + inodes * 256 + journal + 8 * ImageService.MIB;
    long size = Math.max(ImageService.FLOOR_BYTES, minimum + data / 5 + 32 * ImageService.MIB);
    size = (size + ImageService.MIB - 1) / ImageService.MIB * ImageService.MIB;
    return new Sizing(data, minimum, size, inodes);
  }
}
