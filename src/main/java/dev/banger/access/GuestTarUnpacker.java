package dev.banger.access;

import dev.banger.error.BangerException;
import dev.banger.error.Printable;
import dev.banger.image.source.TarEntries;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks the tar stream a guest sent for {@code banger cp VM:PATH DST} into a private staging
 * directory, trusting nothing in it (issue 15): the guest controls every byte. Only members at or
 * below the one name asked for are accepted, and any other member fails the copy before anything
 * reaches DST; {@code ..} and paths through a symlink are refused; files, directories and
 * symlinks are made by this process (never a device node, FIFO or socket, which are skipped with
 * a warning), owned by the user running banger, with permission bits only (no setuid, setgid or
 * sticky bit); a symlink or special file as the requested member itself is refused. Hardlinks
 * may only join files this stream already made.
 */
final class GuestTarUnpacker {
  /** Padding and junk a stream may carry after the end-of-archive marker before it is refused. */
  static final long MAX_TRAILING_BYTES = 1 << 20;

  private enum Made { DIRECTORY, FILE, OTHER }

  private final Path staging;
  private final String name;
  private final Consumer<String> warnings;
  private final Map<String, Made> made = new HashMap<>();
  /** Directories with their final mode and time, applied last so children can be written first. */
  private final List<Map.Entry<Path, TarArchiveEntry>> directories = new ArrayList<>();

  /**
   * @param staging an empty, private directory of the caller's
   * @param name the single member asked for (the base name of the guest path)
   */
  GuestTarUnpacker(Path staging, String name, Consumer<String> warnings) {
    this.staging = staging;
    this.name = name;
    this.warnings = warnings;
  }

  /** Reads the whole stream, refusing any member that breaks the rules. */
  void unpack(InputStream in) throws IOException {
    TarArchiveInputStream tar = new TarArchiveInputStream(in, "UTF-8");
    TarArchiveEntry entry;
    while ((entry = tar.getNextEntry()) != null) {
      member(entry, tar);
    }
    // Read what follows (so ssh is not cut off mid-write), but not forever.
    long trailing = in.readNBytes((int) MAX_TRAILING_BYTES + 1).length;
    if (trailing > MAX_TRAILING_BYTES) {
      throw refused("sent more than " + MAX_TRAILING_BYTES + " bytes after the end of the archive");
    }
  }

  /** After a successful stream: {@code staging/name} holds the member, its insides finished. */
  void complete() throws IOException {
    if (!made.containsKey(name)) {
      throw refused("sent no " + Printable.quote(name));
    }
    // Children before parents: a parent's mode may forbid writing, and its time would change.
    for (int i = directories.size() - 1; i >= 0; i--) {
      Map.Entry<Path, TarArchiveEntry> dir = directories.get(i);
      if (!dir.getKey().equals(staging.resolve(name))) {
        finish(dir.getKey(), dir.getValue());
      }
    }
  }

  /**
   * Gives the requested member, now moved to {@code at}, its own mode and time when it is a
   * directory: moving a directory to a new parent needs write permission on it, so this comes
   * after the move.
   */
  void finishTop(Path at) throws IOException {
    for (Map.Entry<Path, TarArchiveEntry> dir : directories) {
      if (dir.getKey().equals(staging.resolve(name))) {
        finish(at, dir.getValue());
      }
    }
  }

  private void member(TarArchiveEntry entry, InputStream content) throws IOException {
    String path = relative(entry.getName());
    if (made.containsKey(path)) {
      throw refused("sent " + Printable.quote(path) + " twice");
    }
    String parent = path.contains("/") ? path.substring(0, path.lastIndexOf('/')) : null;
    if (parent != null && made.get(parent) != Made.DIRECTORY) {
      throw refused("sent " + Printable.quote(path) + (made.containsKey(parent)
          ? ", whose parent is not a directory (paths through a symlink are never followed)"
          : " before its parent directory"));
    }
    boolean top = parent == null;
    Path target = staging.resolve(path);
    if (entry.isSymbolicLink() || entry.isLink()) {
      link(entry, path, target, top);
    } else if (entry.isDirectory()) {
      Files.createDirectory(target, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      directories.add(Map.entry(target, entry));
      made.put(path, Made.DIRECTORY);
    } else if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
      if (top) {
        throw refused("sent " + Printable.quote(path) + " as a device node or FIFO; banger cp copies regular files,"
            + " directories and the symlinks inside them");
      }
      warnings.accept("skipped the device node or FIFO " + Printable.quote(path) + " (banger cp does not create them)");
    } else if (TarEntries.isRegularFile(entry)) {
      Files.copy(content, target); // never replaces: a name made twice was refused above
      finish(target, entry);
      made.put(path, Made.FILE);
    } else {
      throw refused("sent " + Printable.quote(path) + " with an unsupported tar entry type");
    }
  }

  private void link(TarArchiveEntry entry, String path, Path target, boolean top) throws IOException {
    if (entry.isSymbolicLink()) {
      if (top) {
        throw refused(Printable.quote(name) + " is a symlink (to " + Printable.quote(entry.getLinkName())
            + "); banger cp does not copy a symlink itself: name what it points to");
      }
      Files.createSymbolicLink(target, target.getFileSystem().getPath(entry.getLinkName()));
      made.put(path, Made.OTHER);
      return;
    }
    String existing = relative(entry.getLinkName());
    if (made.get(existing) != Made.FILE) {
      throw refused("sent " + Printable.quote(path) + " as a hardlink to " + Printable.quote(entry.getLinkName())
          + ", which is not a file this copy made");
    }
    Files.createLink(target, staging.resolve(existing));
    made.put(path, Made.FILE);
  }

  /** Permission bits only (never setuid, setgid or sticky) and the member's time. */
  private static void finish(Path path, TarArchiveEntry entry) throws IOException {
    Files.setAttribute(path, "unix:mode", entry.getMode() & 0777, LinkOption.NOFOLLOW_LINKS);
    FileTime mtime = FileTime.from(entry.getLastModifiedTime().toInstant());
    Files.getFileAttributeView(path, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(mtime, null, null);
  }

  /**
   * A member's path relative to the staging directory: {@code ./} and empty components dropped,
   * no {@code ..}, and at or below the name asked for.
   */
  private String relative(String raw) {
    List<String> parts = new ArrayList<>();
    for (String part : raw.split("/", -1)) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..") || part.indexOf('\0') >= 0) {
        throw refused("sent the member " + Printable.quote(raw) + ", which could escape the destination");
      }
      parts.add(part);
    }
    if (raw.startsWith("/") || parts.isEmpty() || !parts.get(0).equals(name)) {
      throw refused("sent the member " + Printable.quote(raw) + ", which is not part of " + Printable.quote(name));
    }
    return String.join("/", parts);
  }

  private BangerException refused(String what) {
    return BangerException.invalid("the guest " + what + "; nothing was copied");
  }
}
