package dev.banger.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds layer tarballs in memory, including ones no sane tool would write. */
public final class TarBuilder {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar;

  public TarBuilder() {
    tar = new TarArchiveOutputStream(bytes, "UTF-8");
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    tar.setAddPaxHeadersForNonAsciiNames(true);
  }

  public TarBuilder dir(String name, int mode, long uid, long gid) {
    TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, true);
    return put(e, mode, uid, gid, null);
  }

  public TarBuilder dir(String name) {
    return dir(name, 0755, 0, 0);
  }

  public TarBuilder file(String name, String content, int mode, long uid, long gid) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
    return put(e, mode, uid, gid, content.getBytes(StandardCharsets.UTF_8));
  }

  public TarBuilder file(String name, byte[] content, int mode) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
    return put(e, mode, 0, 0, content);
  }

  public TarBuilder file(String name, byte[] content) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
    return put(e, 0644, 0, 0, content);
  }

  public TarBuilder file(String name, String content) {
    return file(name, content, 0644, 0, 0);
  }

  /** A file carrying one extended attribute as a PAX {@code SCHILY.xattr.} header, as GNU tar writes it. */
  public TarBuilder fileWithXattr(String name, String content, String xattr, String value) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
    e.addPaxHeader("SCHILY.xattr." + xattr, value);
    return put(e, 0644, 0, 0, content.getBytes(StandardCharsets.UTF_8));
  }

  public TarBuilder symlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
    e.setLinkName(target);
    return put(e, 0777, 0, 0, null);
  }

  public TarBuilder hardlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
    e.setLinkName(target);
    return put(e, 0644, 0, 0, null);
  }

  public TarBuilder charDevice(String name, int major, int minor, int mode) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_CHR, true);
    e.setDevMajor(major);
    e.setDevMinor(minor);
    return put(e, mode, 0, 0, null);
  }

  public TarBuilder fifo(String name, int mode) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_FIFO, true);
    return put(e, mode, 0, 0, null);
  }

  private TarBuilder put(TarArchiveEntry e, int mode, long uid, long gid, byte[] content) {
    try {
      e.setMode(mode);
      e.setUserId(uid);
      e.setGroupId(gid);
      e.setModTime(1_700_000_000_000L);
      e.setSize(content == null ? 0 : content.length);
      tar.putArchiveEntry(e);
      if (content != null) {
        tar.write(content);
      }
      tar.closeArchiveEntry();
      return this;
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  public byte[] build() {
    try {
      tar.finish();
      tar.close();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
