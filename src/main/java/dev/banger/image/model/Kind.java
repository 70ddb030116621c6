package dev.banger.image.model;

/** What a layer entry (or a node of the flattened tree) is. */
public enum Kind {
  FILE(0100000),
  DIRECTORY(0040000),
  SYMLINK(0120000),
  /** Only in layer entries: a second name for an existing inode. Never a node kind. */
  HARDLINK(0),
  CHAR_DEVICE(0020000),
  BLOCK_DEVICE(0060000),
  FIFO(0010000);

  private final int typeBits;

  Kind(int typeBits) {
    this.typeBits = typeBits;
  }

  /** The S_IFMT bits of st_mode for this kind. */
  public int typeBits() {
    return typeBits;
  }

  public boolean isSpecial() {
    return this == CHAR_DEVICE || this == BLOCK_DEVICE || this == FIFO;
  }
}
