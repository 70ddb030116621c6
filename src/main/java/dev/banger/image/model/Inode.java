package dev.banger.image.model;

/** One inode of the flattened tree: what it is and its metadata. Shared by hardlinked names. */
public final class Inode {
  final Kind kind;
  Meta meta;
  final long size;
  final String linkTarget;
  final int major;
  final int minor;
  /** How many names refer to this inode in the current tree. */
  int links;

  Inode(Kind kind, Meta meta, long size, String linkTarget, int major, int minor) {
    this.kind = kind;
    this.meta = meta;
    this.size = size;
    this.linkTarget = linkTarget;
    this.major = major;
    this.minor = minor;
  }

  public Kind kind() {
    return kind;
  }

  public Meta meta() {
    return meta;
  }

  public long size() {
    return size;
  }

  public String linkTarget() {
    return linkTarget;
  }

  public int major() {
    return major;
  }

  public int minor() {
    return minor;
  }

  public int links() {
    return links;
  }
}
