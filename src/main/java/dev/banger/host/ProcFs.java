package dev.banger.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Reads process identity from /proc. A pid alone is not an identity (pids are reused), so banger
 * pairs it with the process start time (field 22 of /proc/PID/stat, in clock ticks since boot)
 * and the command line.
 */
public final class ProcFs {
  private final Path root;

  public ProcFs() {
    this(Path.of("/proc"));
  }

  /** A ProcFs over another directory with the same layout, for tests. */
  public ProcFs(Path root) {
    this.root = root;
  }

  /** The process start time in clock ticks since boot, or empty when the process is gone. */
  public Optional<Long> startTime(long pid) {
    try {
      String stat = Files.readString(root.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.UTF_8);
      // The command name (field 2) is in parentheses and may itself contain spaces or ')':
      // everything after the last ')' is space-separated, starting at field 3.
      int close = stat.lastIndexOf(')');
      if (close < 0) {
        return Optional.empty();
      }
      String[] rest = stat.substring(close + 2).trim().split(" ");
      // field 3 is rest[0], so field 22 is rest[19].
      return rest.length > 19 ? Optional.of(Long.parseLong(rest[19])) : Optional.empty();
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The process's argv, or empty when the process is gone (or is a kernel thread). */
  public Optional<List<String>> cmdline(long pid) {
    try {
      byte[] raw = Files.readAllBytes(root.resolve(Long.toString(pid)).resolve("cmdline"));
      if (raw.length == 0) {
        return Optional.empty();
      }
      String all = new String(raw, StandardCharsets.UTF_8);
      if (all.endsWith("\0")) {
        all = all.substring(0, all.length() - 1);
      }
      return Optional.of(Arrays.asList(all.split("\0", -1)));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Every numeric entry of /proc: the pids alive right now. */
  public List<Long> pids() {
    List<Long> pids = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
          pids.add(Long.parseLong(name));
        }
      }
    } catch (IOException e) {
      return List.of();
    }
    return pids;
  }

  /** True when pid is alive, started at startTime and its argv contains {@code marker}. */
  public boolean matches(long pid, long startTime, String marker) {
    return startTime(pid).filter(t -> t == startTime).isPresent()
        && cmdline(pid).filter(argv -> argv.stream().anyMatch(a -> a.contains(marker))).isPresent();
  }
}
