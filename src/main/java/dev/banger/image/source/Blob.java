package dev.banger.image.source;

import java.io.IOException;
import java.io.InputStream;

/**
 * One layer's bytes as a source stores them (possibly gzip/zstd compressed).
 *
 * @param description for messages, e.g. "layer 2 of 3 (sha256:ab12…)"
 * @param digest the expected digest, or null when the source has none (a plain rootfs tarball)
 * @param size the expected stored size, or -1 when unknown
 * @param digestOfUncompressed true when the digest covers the decompressed tar (docker-save
 *     {@code diff_ids}) rather than the stored bytes
 * @param opener opens the stored bytes from the start; may be called more than once
 */
public record Blob(String description, Digest digest, long size, boolean digestOfUncompressed, Opener opener) {
  /** Opens a fresh stream over the stored bytes. */
  @FunctionalInterface
  public interface Opener {
    InputStream open() throws IOException;
  }

  /**
   * This blob, bound to {@code scanned} (the sha256 of its stored bytes as an earlier pass read
   * them) when it has no digest of its own: a later pass then fails unless it reads exactly those
   * bytes, so a file swapped between passes cannot be built under the first one's digest.
   */
  public Blob expecting(Digest scanned) {
    return digest != null ? this : new Blob(description, scanned, size, false, opener);
  }

  public InputStream open() throws IOException {
    return opener.open();
  }
}
