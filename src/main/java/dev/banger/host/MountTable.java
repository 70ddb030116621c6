package dev.banger.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The mount table of this process's mount namespace, read from {@code /proc/self/mountinfo}:
 * the one place banger asks what is mounted where (before deleting a tree, to find cgroup v2).
 */
public final class MountTable {
  public static final Path SELF = Path.of("/proc/self/mountinfo");

  /** One line of mountinfo: where it is mounted and the filesystem type. */
  public record Mount(String mountPoint, String fsType) {}

  private MountTable() {}

  /**
   * Parses a mountinfo file: field 5 is the mount point; the type is the first field after the
   * lone {@code -} that ends the optional fields.
   */
  public static List<Mount> read(Path mountinfo) throws IOException {
    List<Mount> mounts = new ArrayList<>();
    for (String line : Files.readAllLines(mountinfo, StandardCharsets.UTF_8)) {
      String[] fields = line.split(" ");
      if (fields.length < 5) {
        continue;
      }
      String type = "";
      for (int i = 5; i + 1 < fields.length; i++) {
        if (fields[i].equals("-")) {
          type = fields[i + 1];
          break;
        }
      }
      mounts.add(new Mount(unescape(fields[4]), type));
    }
    return mounts;
  }

  /** Mount points at or below {@code dir}. */
  public static List<String> mountPointsUnder(Path dir, Path mountinfo) throws IOException {
    String prefix = dir.toAbsolutePath().normalize().toString();
    return read(mountinfo).stream().map(Mount::mountPoint)
        .filter(mount -> mount.equals(prefix) || mount.startsWith(prefix + "/"))
        .toList();
  }

  /** True when something is mounted exactly at {@code path}; false also when the table cannot be read. */
  public static boolean isMountPoint(Path path) {
    String target = path.toAbsolutePath().normalize().toString();
    try {
      return read(SELF).stream().anyMatch(m -> m.mountPoint().equals(target));
    } catch (IOException e) {
      return false;
    }
  }

  /** Where the first filesystem of {@code fsType} is mounted (e.g. {@code cgroup2}), if any. */
  public static Optional<Path> firstOfType(String fsType) {
    try {
      return read(SELF).stream().filter(m -> m.fsType().equals(fsType)).map(m -> Path.of(m.mountPoint())).findFirst();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** mountinfo writes space, tab, newline and backslash in paths as {@code \ooo} octal escapes. */
  public static String unescape(String field) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
