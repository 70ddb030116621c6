package dev.banger.host;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Removes the head of a file in place with {@code fallocate --collapse-range} (util-linux): the
 * bytes after it move down, atomically with respect to a writer appending with O_APPEND, so a
 * log can be rotated under a writer that keeps its descriptor without losing or repeating a byte.
 * ext4 and xfs support it for multiples of the block size; tmpfs and others do not.
 */
public final class FileRanges {
  private static final CommandRunner RUNNER = new ProcessCommandRunner();

  private FileRanges() {}

  /** Removes the first {@code length} bytes of {@code file}; false when the file system cannot. */
  public static boolean collapseHead(Path file, long length) {
    try {
      return RUNNER.run(Command.of("fallocate", "--collapse-range", "--offset", "0", "--length", Long.toString(length),
          file.toString()).withTimeout(Duration.ofSeconds(10))).ok();
    } catch (RuntimeException e) {
      return false; // no fallocate on PATH: the caller falls back
    }
  }
}
