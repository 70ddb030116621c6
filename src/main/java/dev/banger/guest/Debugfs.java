package dev.banger.guest;

import dev.banger.error.BangerException;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Runs one debugfs script against a file system. debugfs exits 0 even when its commands fail,
 * so every line it prints on stderr other than its version banner counts as an error — except,
 * in a read-only run, "not found" or "not a directory" for a path that may legitimately be
 * missing or be something else (the caller decides what that means).
 */
final class Debugfs {
  private static final Duration TIMEOUT = Duration.ofMinutes(2);
  // What listing a missing directory or a non-directory prints; the plan decides from the parents' listings.
  private static final Pattern LISTING_MISS = Pattern.compile("^.*: (File not found by ext2_lookup|Ext2 inode is not a directory)\\s*$");

  private final CommandRunner runner;

  Debugfs(CommandRunner runner) {
    this.runner = runner;
  }

  /** Runs {@code script} (a file in {@code scratch}) read-only, or with {@code -w}; returns stdout. */
  String run(Path device, Path scratch, String script, boolean write, String purpose) throws IOException {
    Path file = scratch.resolve(write ? "write.debugfs" : "read.debugfs");
    Files.writeString(file, script, StandardCharsets.UTF_8);
    List<String> argv = new ArrayList<>(List.of("debugfs"));
    if (write) {
      argv.add("-w");
    }
    argv.addAll(List.of("-f", file.toString(), device.toString()));
    CommandResult result = runner.run(Command.of(argv).withTimeout(TIMEOUT)
        .withEnv(Map.of("DEBUGFS_PAGER", "__none__", "PAGER", "__none__")));
    List<String> errors = result.stderr().lines()
        .filter(l -> !l.isBlank() && !l.startsWith("debugfs "))
        .filter(l -> write || !LISTING_MISS.matcher(l).matches())
        .toList();
    if (!result.ok() || !errors.isEmpty()) {
      List<String> shown = errors.isEmpty() ? List.of(result.stderr().strip()) : errors.subList(0, Math.min(10, errors.size()));
      throw BangerException.internal("Tried to " + purpose + " in " + device + " with debugfs but it reported errors: "
          + String.join("; ", shown), null);
    }
    return result.stdout();
  }

  /**
   * Splits the output of a {@code -f} script into one block per command (debugfs echoes each
   * command as {@code "debugfs: <command>"}), keyed in order by {@code keys}.
   */
  static Map<String, String> split(String stdout, List<String> keys) {
    Map<String, String> out = new LinkedHashMap<>();
    int index = -1;
    StringBuilder current = new StringBuilder();
    for (String line : stdout.split("\n", -1)) {
      if (line.startsWith("debugfs: ")) {
        if (index >= 0 && index < keys.size()) {
          out.put(keys.get(index), current.toString());
        }
        index++;
        current.setLength(0);
      } else {
        current.append(line).append('\n');
      }
    }
    if (index >= 0 && index < keys.size()) {
      out.put(keys.get(index), current.toString());
    }
    return out;
  }
}
