package dev.banger.model;

import java.time.Instant;
import java.util.Objects;

/**
 * One imported image as the images table and the API show it.
 *
 * @param id stable id ({@code img-<16 hex>})
 * @param name the user's name for it, unique
 * @param digest content identity, {@code sha256:<hex>}; images with equal digests share a rootfs
 * @param source what was imported or pulled
 * @param sizeBytes size of the ext4 file
 * @param rootfsPath {@code <state-dir>/images/sha256-<hex>/rootfs.ext4}
 * @param builder "mount" or "offline"
 * @param createdAt when the row was written
 * @param config the image's runtime config (Entrypoint, Cmd, Env, …), or null when the source has
 *     none (a rootfs tarball)
 */
public record ImageRecord(
    String id, String name, String digest, String source, long sizeBytes, String rootfsPath, String builder,
    Instant createdAt, ImageConfig config) {
  public ImageRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(rootfsPath, "rootfsPath");
    Objects.requireNonNull(builder, "builder");
    Objects.requireNonNull(createdAt, "createdAt");
  }

  /** An image without a runtime config. */
  public ImageRecord(String id, String name, String digest, String source, long sizeBytes, String rootfsPath,
      String builder, Instant createdAt) {
    this(id, name, digest, source, sizeBytes, rootfsPath, builder, createdAt, null);
  }
}
