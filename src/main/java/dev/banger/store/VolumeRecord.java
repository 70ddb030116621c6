package dev.banger.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A row of the volumes table: an ext4 image banger made, kept apart from any VM.
 *
 * @param id a random hex id, also the file's name
 * @param name the user's name for it, also its ext4 label
 * @param path the image file, in the state directory's {@code volumes/}
 * @param sizeBytes the size the guest sees
 * @param createdAt when it was made
 */
public record VolumeRecord(String id, String name, String path, long sizeBytes, Instant createdAt) {
  public VolumeRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
