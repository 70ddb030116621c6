package dev.banger.image.ext4;

import dev.banger.image.model.Node;
import dev.banger.image.model.TreeWriter;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Builds an ext4 root filesystem from layers. Lifecycle: {@link #build} either leaves a complete,
 * {@code e2fsck}-clean image at {@code image} or throws; on failure it has released every loop
 * device and mount it made, and everything else it wrote is inside {@code workDir}, which the
 * caller deletes.
 */
public interface ImageBuilder {
  /** Flattens every layer into the writer and returns the final tree. */
  @FunctionalInterface
  interface Layers {
    Node applyTo(TreeWriter writer) throws IOException;
  }

  /** "mount" or "offline", as recorded in the images table. */
  String name();

  void build(Path workDir, Path image, long sizeBytes, long inodes, Layers layers) throws IOException;
}
