package dev.banger.guest;

import java.util.Objects;

/**
 * A file or directory banger puts into a VM's root disk before it boots (or a name it removes). Paths are
 * absolute inside the guest ({@code /etc/hostname}); modes are permission bits only (up to
 * 07777), the file type comes from the kind.
 */
public sealed interface GuestPath {
  String path();

  int mode();

  int uid();

  int gid();

  /** A regular file with text content (UTF-8); an existing file or symlink of that name is replaced. */
  record File(String path, String content, int mode, int uid, int gid) implements GuestPath {
    public File {
      check(path, mode, uid, gid);
      Objects.requireNonNull(content, "content");
    }

    /** A root-owned file. */
    public static File root(String path, String content, int mode) {
      return new File(path, content, mode, 0, 0);
    }
  }

  /**
   * A regular file whose content is the host file {@code source} (a binary, e.g. banger's init);
   * replaced like a {@link File}.
   */
  record Copy(String path, java.nio.file.Path source, int mode, int uid, int gid) implements GuestPath {
    public Copy {
      check(path, mode, uid, gid);
      Objects.requireNonNull(source, "source");
    }
  }

  /**
   * A name that must not exist afterwards: a regular file or symlink there is removed, a missing
   * one is fine, a directory or special file is refused.
   */
  record Absent(String path) implements GuestPath {
    public Absent {
      Objects.requireNonNull(path, "path");
    }

    @Override
    public int mode() {
      return 0;
    }

    @Override
    public int uid() {
      return 0;
    }

    @Override
    public int gid() {
      return 0;
    }
  }

  /** A directory, created when missing; an existing one gets this mode and owner. */
  record Dir(String path, int mode, int uid, int gid) implements GuestPath {
    public Dir {
      check(path, mode, uid, gid);
    }
  }

  private static void check(String path, int mode, int uid, int gid) {
    Objects.requireNonNull(path, "path");
    if (mode < 0 || mode > 07777) {
      throw new IllegalArgumentException("mode " + Integer.toOctalString(mode) + " of " + path + " is not within 0-07777");
    }
    if (uid < 0 || gid < 0) {
      throw new IllegalArgumentException("owner " + uid + ":" + gid + " of " + path + " is negative");
    }
  }
}
