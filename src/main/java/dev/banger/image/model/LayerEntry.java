package dev.banger.image.model;

import java.util.Objects;

/**
 * One entry of a layer tarball, decoupled from the tar library so the flattening model can be
 * driven (and property-tested) without tar files.
 *
 * @param name the raw name as stored in the archive (not yet checked)
 * @param kind what the entry is
 * @param linkName symlink target or hardlink target name; empty for other kinds
 * @param size content length for files, 0 otherwise
 * @param meta ownership, mode and mtime
 * @param major device major number (devices only)
 * @param minor device minor number (devices only)
 */
public record LayerEntry(String name, Kind kind, String linkName, long size, Meta meta, int major, int minor) {
  public LayerEntry {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(meta, "meta");
    linkName = linkName == null ? "" : linkName;
    if (size < 0) {
      throw new IllegalArgumentException("negative size for " + name);
    }
  }

  public static LayerEntry dir(String name, Meta meta) {
    return new LayerEntry(name, Kind.DIRECTORY, "", 0, meta, 0, 0);
  }

  public static LayerEntry file(String name, long size, Meta meta) {
    return new LayerEntry(name, Kind.FILE, "", size, meta, 0, 0);
  }

  public static LayerEntry symlink(String name, String target, Meta meta) {
    return new LayerEntry(name, Kind.SYMLINK, target, 0, meta, 0, 0);
  }

  public static LayerEntry hardlink(String name, String target, Meta meta) {
    return new LayerEntry(name, Kind.HARDLINK, target, 0, meta, 0, 0);
  }
}
