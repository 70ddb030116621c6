package dev.banger.guest;

import dev.banger.error.BangerException;
import dev.banger.image.model.NameSafety;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The debugfs scripts that put {@link GuestPath}s into an ext4 file system, without running
 * anything (so the quoting and the decisions are unit-tested). Three scripts:
 *
 * <ol>
 *   <li>{@link #listingScript()}: read-only {@code ls -p} of the root and of every directory on the
 *       way, which tells what each name on the way is;
 *   <li>{@link #writeScript}: creates missing directories, replaces files, sets modes and owners.
 *       A directory listing is trusted only when its own name was seen as a real directory in
 *       its parent's listing, so nothing is ever written through a symlink;
 *   <li>{@link #verifyScript}: {@code stat} and {@code dump} of every entry, compared by the
 *       writer, because debugfs exits 0 even when a command failed.
 * </ol>
 */
final class DebugfsPlan {
  private static final String CONTEXT = "guest setup";
  private static final int S_IFMT = 0170000;
  private static final int S_IFDIR = 0040000;
  private static final int S_IFREG = 0100000;
  private static final int S_IFLNK = 0120000;

  /** What a name is in the file system before the write. */
  enum Found { MISSING, DIRECTORY, REGULAR, SYMLINK, OTHER }

  /** Every directory the entries need, parents first: explicit {@link GuestPath.Dir}s and implied parents. */
  private final Map<String, GuestPath.Dir> dirs;
  private final Map<String, Boolean> explicit = new HashMap<>();
  /** Regular files to write: {@link GuestPath.File}s and {@link GuestPath.Copy}s. */
  private final List<GuestPath> files = new ArrayList<>();
  private final List<GuestPath.Absent> absent = new ArrayList<>();

  private DebugfsPlan(List<GuestPath> entries) {
    Map<String, GuestPath> byPath = new LinkedHashMap<>();
    for (GuestPath entry : entries) {
      String path = canonical(entry.path());
      if (byPath.put(path, entry) != null) {
        throw BangerException.invalid(CONTEXT + ": " + path + " is listed twice");
      }
    }
    Map<String, GuestPath.Dir> needed = new TreeMap<>(Comparator.comparingInt(DebugfsPlan::depth).thenComparing(p -> p));
    for (Map.Entry<String, GuestPath> e : byPath.entrySet()) {
      for (String parent = parent(e.getKey()); !parent.equals("/"); parent = parent(parent)) {
        if (byPath.get(parent) instanceof GuestPath.File || byPath.get(parent) instanceof GuestPath.Copy
            || byPath.get(parent) instanceof GuestPath.Absent) {
          throw BangerException.invalid(CONTEXT + ": " + parent + " is listed as a file and as a directory on the way to " + e.getKey());
        }
        needed.putIfAbsent(parent, new GuestPath.Dir(parent, 0755, 0, 0));
      }
      switch (e.getValue()) {
        case GuestPath.Dir d -> {
          needed.put(e.getKey(), new GuestPath.Dir(e.getKey(), d.mode(), d.uid(), d.gid()));
          explicit.put(e.getKey(), true);
        }
        case GuestPath.File f -> files.add(new GuestPath.File(e.getKey(), f.content(), f.mode(), f.uid(), f.gid()));
        case GuestPath.Copy c -> files.add(new GuestPath.Copy(e.getKey(), c.source(), c.mode(), c.uid(), c.gid()));
        case GuestPath.Absent a -> absent.add(new GuestPath.Absent(e.getKey()));
      }
    }
    this.dirs = needed;
  }

  static DebugfsPlan of(List<GuestPath> entries) {
    return new DebugfsPlan(entries);
  }

  /** The regular files to write, {@link GuestPath.File}s and {@link GuestPath.Copy}s, in order. */
  List<GuestPath> files() {
    return List.copyOf(files);
  }

  /** The directories whose listings {@link #writeScript} needs: the root and every directory entry. */
  List<String> listed() {
    List<String> listed = new ArrayList<>(List.of("/"));
    listed.addAll(dirs.keySet());
    return listed;
  }

  String listingScript() {
    StringBuilder script = new StringBuilder();
    listed().forEach(dir -> script.append("ls -p ").append(q(dir)).append('\n'));
    return script.toString();
  }

  /**
   * Parses the output of {@link #listingScript()}: for each listed directory, its entries' names
   * and modes. {@code ls -p} prints one {@code /inode/mode/uid/gid/name/size/} line per entry;
   * names cannot hold '/', so a line with another shape is never taken for an entry.
   */
  Map<String, Map<String, Integer>> parseListings(String stdout) {
    Map<String, Map<String, Integer>> listings = new HashMap<>();
    Map<String, String> blocks = Debugfs.split(stdout, listed());
    for (Map.Entry<String, String> block : blocks.entrySet()) {
      Map<String, Integer> names = new HashMap<>();
      for (String line : block.getValue().split("\n")) {
        String[] fields = line.split("/", -1);
        if (fields.length != 8 || !fields[0].isEmpty() || fields[5].equals(".") || fields[5].equals("..")) {
          continue;
        }
        int mode;
        try {
          mode = Integer.parseInt(fields[2], 8);
        } catch (NumberFormatException e) {
          continue;
        }
        if (names.put(fields[5], mode) != null) {
          throw BangerException.precondition(CONTEXT + ": directory " + block.getKey() + " lists '" + fields[5]
              + "' twice; the file system is damaged (run e2fsck on the image)");
        }
      }
      listings.put(block.getKey(), names);
    }
    return listings;
  }

  /**
   * The write script, given what {@link #parseListings} found and the host files holding each
   * file's content. Refuses (before anything is written) to go through or replace anything
   * that is not a directory where a directory is needed, or to replace a directory with a file.
   */
  String writeScript(Map<String, Map<String, Integer>> listings, Map<String, Path> sources) {
    StringBuilder script = new StringBuilder();
    for (GuestPath.Dir dir : dirs.values()) {
      Found found = found(dir.path(), listings);
      switch (found) {
        case DIRECTORY -> {
          if (explicit.containsKey(dir.path())) {
            setInode(script, dir.path(), S_IFDIR | dir.mode(), dir.uid(), dir.gid());
          }
        }
        case MISSING -> {
          script.append("cd ").append(q(parent(dir.path()))).append('\n');
          script.append("mkdir ").append(q(name(dir.path()))).append('\n');
          setInode(script, dir.path(), S_IFDIR | dir.mode(), dir.uid(), dir.gid());
        }
        default -> throw refuse(dir.path(), found, "a directory");
      }
    }
    for (GuestPath.Absent gone : absent) {
      Found found = found(gone.path(), listings);
      switch (found) {
        case MISSING -> { }
        case REGULAR, SYMLINK -> script.append("cd ").append(q(parent(gone.path()))).append('\n')
            .append("rm ").append(q(name(gone.path()))).append('\n');
        default -> throw refuse(gone.path(), found, "nothing or a regular file");
      }
    }
    for (GuestPath file : files) {
      Found found = found(file.path(), listings);
      script.append("cd ").append(q(parent(file.path()))).append('\n');
      switch (found) {
        case MISSING -> { }
        // A symlink is replaced, never followed (e.g. resolv.conf -> ../run/systemd/resolve/stub-resolv.conf).
        case REGULAR, SYMLINK -> script.append("rm ").append(q(name(file.path()))).append('\n');
        default -> throw refuse(file.path(), found, "a regular file");
      }
      Path source = sources.get(file.path());
      if (source == null) {
        throw new IllegalArgumentException("no host file holds the content of " + file.path());
      }
      script.append("write ").append(q(checked(source.toString()))).append(' ').append(q(name(file.path()))).append('\n');
      setInode(script, file.path(), S_IFREG | file.mode(), file.uid(), file.gid());
    }
    return script.toString();
  }

  /** {@code stat} of every entry, then a dump of every file into the host file {@code dumps} names. */
  String verifyScript(Map<String, Path> dumps) {
    StringBuilder script = new StringBuilder();
    for (String path : verified()) {
      script.append("stat ").append(q(path)).append('\n');
    }
    for (GuestPath file : files) {
      script.append("dump ").append(q(file.path())).append(' ').append(q(checked(dumps.get(file.path()).toString()))).append('\n');
    }
    return script.toString();
  }

  /** The paths {@link #verifyScript} stats, in order: explicit directories, then files. */
  List<String> verified() {
    List<String> paths = new ArrayList<>();
    dirs.keySet().stream().filter(explicit::containsKey).forEach(paths::add);
    files.forEach(f -> paths.add(f.path()));
    absent.forEach(a -> paths.add(a.path()));
    return paths;
  }

  /** The expected type, mode and owner of each verified path, for comparison with {@code stat}. */
  Map<String, GuestPath> expected() {
    Map<String, GuestPath> expected = new LinkedHashMap<>();
    dirs.forEach((path, dir) -> {
      if (explicit.containsKey(path)) {
        expected.put(path, dir);
      }
    });
    files.forEach(f -> expected.put(f.path(), f));
    absent.forEach(a -> expected.put(a.path(), a));
    return expected;
  }

  /**
   * What {@code path} is before the write. A name is looked up only in a listing whose directory
   * is itself known to be a real directory; below a missing directory everything is missing.
   */
  Found found(String path, Map<String, Map<String, Integer>> listings) {
    String parent = parent(path);
    if (!parent.equals("/") && found(parent, listings) != Found.DIRECTORY) {
      return Found.MISSING;
    }
    Map<String, Integer> listing = listings.get(parent);
    if (listing == null) {
      throw BangerException.internal(CONTEXT + ": debugfs gave no listing of " + parent + " although it is a directory", null);
    }
    Integer mode = listing.get(name(path));
    if (mode == null) {
      return Found.MISSING;
    }
    return switch (mode & S_IFMT) {
      case S_IFDIR -> Found.DIRECTORY;
      case S_IFREG -> Found.REGULAR;
      case S_IFLNK -> Found.SYMLINK;
      default -> Found.OTHER;
    };
  }

  private static BangerException refuse(String path, Found found, String wanted) {
    String what = switch (found) {
      case SYMLINK -> "a symlink (symlinks are never followed)";
      case DIRECTORY -> "a directory";
      case REGULAR -> "a regular file";
      default -> "a special file";
    };
    return BangerException.precondition("Tried to write " + path + " into the VM's root disk before its first boot, but the image has "
        + what + " there where " + wanted + " is needed; fix the image or remove that path from it");
  }

  private static void setInode(StringBuilder script, String path, int mode, int uid, int gid) {
    script.append("sif ").append(q(path)).append(" mode 0").append(Integer.toOctalString(mode)).append('\n');
    script.append("sif ").append(q(path)).append(" uid ").append(uid).append('\n');
    script.append("sif ").append(q(path)).append(" gid ").append(gid).append('\n');
  }

  /** "/a/b" from any absolute spelling; rejects the root, {@code ..} and what debugfs cannot quote. */
  static String canonical(String path) {
    List<String> parts = NameSafety.absoluteComponents(path, CONTEXT);
    if (parts.isEmpty()) {
      throw BangerException.invalid(CONTEXT + ": cannot replace the root directory");
    }
    return "/" + String.join("/", parts);
  }

  private static String checked(String hostPath) {
    NameSafety.checkCharacters(hostPath, CONTEXT);
    return hostPath;
  }

  static String parent(String path) {
    int slash = path.lastIndexOf('/');
    return slash == 0 ? "/" : path.substring(0, slash);
  }

  static String name(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  private static int depth(String path) {
    return (int) path.chars().filter(c -> c == '/').count();
  }

  /** debugfs's quoting: double quotes around a name that holds none (NameSafety guarantees it). */
  static String q(String path) {
    return "\"" + path + "\"";
  }
}
