package dev.banger.image.ext4;

import dev.banger.error.BangerException;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** mke2fs and e2fsck, as both builders use them. */
public final class Ext4 {
  static final Duration LONG = Duration.ofMinutes(30);

  private Ext4() {}

  /**
   * Makes an ext4 file system of {@code sizeBytes} in a new sparse file, with at least
   * {@code inodes} inodes, optionally populated from {@code populateFrom} ({@code mke2fs -d}).
   */
  public static void mkfs(CommandRunner runner, Path image, long sizeBytes, long inodes, Path populateFrom)
      throws IOException {
    mkfs(runner, image, sizeBytes, inodes, populateFrom, "banger-root");
  }

  /** As {@link #mkfs(CommandRunner, Path, long, long, Path)}, labelled {@code label} (at most 16 bytes). */
  public static void mkfs(CommandRunner runner, Path image, long sizeBytes, long inodes, Path populateFrom, String label)
      throws IOException {
    try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
      file.setLength(sizeBytes);
    }
    List<String> argv = new ArrayList<>(List.of("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-m", "0",
        "-E", "root_owner=0:0,lazy_itable_init=0", "-L", label));
    long defaultInodes = sizeBytes / 16384;
    if (inodes > defaultInodes) {
      argv.addAll(List.of("-N", Long.toString(inodes)));
    }
    if (populateFrom != null) {
      argv.addAll(List.of("-d", populateFrom.toString()));
    }
    argv.add(image.toString());
    CommandResult result = runner.run(Command.of(argv).withTimeout(LONG));
    if (!result.ok()) {
      String out = result.stderr() + result.stdout();
      if (out.contains("Could not allocate block") || out.contains("No space left")
          || out.contains("Could not allocate inode")) {
        throw new ImageTooSmallException(out.strip());
      }
      result.orThrow();
    }
  }

  /** {@code e2fsck -fn}: read-only full check; any problem fails the build. */
  public static void fsck(CommandRunner runner, Path image) {
    CommandResult result = runner.run(Command.of("e2fsck", "-fn", image.toString()).withTimeout(LONG));
    if (!result.ok()) {
      throw BangerException.internal("Tried to verify the new image with `e2fsck -fn` but it found problems"
          + " (exit " + result.exitCode() + "): " + tail(result.stdout() + result.stderr()), null);
    }
  }

  static String tail(String text) {
    String t = text.strip();
    return t.length() > 1500 ? "…" + t.substring(t.length() - 1500) : t;
  }

  /** The content did not fit the file system; the service turns this into "image needs N MiB". */
  public static final class ImageTooSmallException extends IOException {
    private static final long serialVersionUID = 1L;

    public ImageTooSmallException(String detail) {
      super(detail);
    }
  }
}
