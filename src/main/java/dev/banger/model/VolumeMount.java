package dev.banger.model;

import dev.banger.error.BangerException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One {@code -v} of a VM: a banger volume (by name) or a host image file (by absolute path),
 * attached as an extra block device and mounted at {@code guestPath}. Stored in the VM's spec.
 *
 * @param source a volume name, or an absolute path to a host image file
 * @param guestPath where the guest mounts it: absolute, not {@code /}
 * @param readOnly the guest sees the device read-only ({@code :ro})
 * @param hostOwner a host file's owner (uid) when the VM was created: a start checks it still is;
 *     null for a banger volume, and until the daemon has checked the file
 */
public record VolumeMount(String source, String guestPath, boolean readOnly, Integer hostOwner) {
  /** Volume names: the ext4 label (16 bytes) the guest finds them by, so short and plain. */
  public static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,15}");
  private static final int MAX_PATH = 1024;

  public VolumeMount {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(guestPath, "guestPath");
  }

  /** Parses {@code SOURCE:/guest/path[:ro|:rw]} as {@code -v} takes it. */
  public static VolumeMount parse(String spec) {
    String s = spec == null ? "" : spec.strip();
    boolean readOnly = false;
    if (s.endsWith(":ro") || s.endsWith(":rw")) {
      readOnly = s.endsWith(":ro");
      s = s.substring(0, s.length() - 3);
    }
    int colon = s.indexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      throw BangerException.invalid("volume '" + spec + "' is not SOURCE:/guest/path[:ro], e.g. data:/srv/data or"
          + " /srv/disk.img:/mnt:ro");
    }
    return new VolumeMount(s.substring(0, colon), s.substring(colon + 1), readOnly, null).checked();
  }

  /** This mount, or an error naming what is wrong with it. */
  public VolumeMount checked() {
    if (fromHostFile()) {
      if (source.contains("\0") || source.length() > MAX_PATH || source.contains("/../") || source.endsWith("/..")) {
        throw BangerException.invalid("volume source '" + source + "' is not a plain absolute path");
      }
    } else if (!NAME.matcher(source).matches()) {
      throw BangerException.invalid("volume '" + source + "' is neither an absolute host path nor a volume name"
          + " (1-16 of letters, digits, '_', '.', '-'); `banger volume ls` lists them");
    }
    if (!guestPath.startsWith("/") || guestPath.equals("/") || guestPath.length() > MAX_PATH
        || guestPath.contains("\0") || guestPath.contains("\n") || guestPath.contains(" ") || guestPath.contains("\t")
        || guestPath.contains("/../") || guestPath.endsWith("/..") || guestPath.contains("/./")) {
      throw BangerException.invalid("volume mount point '" + guestPath + "' must be an absolute path other than /,"
          + " without spaces or '..'");
    }
    return this;
  }

  /** This mount, recording the host file's owner. */
  public VolumeMount withHostOwner(int uid) {
    return new VolumeMount(source, guestPath, readOnly, uid);
  }

  /** {@code SOURCE:/guest/path[:ro]}, as {@code -v} takes it. */
  @Override
  public String toString() {
    return source + ":" + guestPath + (readOnly ? ":ro" : "");
  }

  /** True for a host image file ({@code -v /path/file.img:…}), false for a banger volume. */
  public boolean fromHostFile() {
    return source.startsWith("/");
  }
}
