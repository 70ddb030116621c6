package dev.banger.image.source;

import java.util.Optional;

/**
 * The compressions an image layer or rootfs tarball may use, recognised by their first bytes
 * (never by file name or media type, which a hostile source controls). Kernel payloads have
 * their own wider set ({@code kernel/Compression}).
 */
enum LayerCompression {
  GZIP(new int[] {0x1f, 0x8b}),
  ZSTD(new int[] {0x28, 0xb5, 0x2f, 0xfd});

  /** How many leading bytes {@link #of} needs to tell them apart. */
  static final int SNIFF_BYTES = 4;

  @SuppressWarnings("ImmutableEnumChecker") // private, never written after construction
  private final int[] magic;

  LayerCompression(int[] magic) {
    this.magic = magic;
  }

  /** The compression {@code head} starts with, or empty for none of them (plain tar, say). */
  static Optional<LayerCompression> of(byte[] head) {
    for (LayerCompression c : values()) {
      if (c.matches(head)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  private boolean matches(byte[] head) {
    if (head.length < magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if ((head[i] & 0xff) != magic[i]) {
        return false;
      }
    }
    return true;
  }
}
