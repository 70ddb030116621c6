package dev.banger.image;

/**
 * Progress of an import or pull, for a progress bar. Called from the importing thread; keep it
 * cheap. All methods default to doing nothing.
 */
public interface ImportProgress {
  ImportProgress NONE = new ImportProgress() {};

  /** A phase starts: "download", "scan", "build", "check". */
  default void phase(String name) {}

  /** Layer {@code index} (1-based) of {@code count} is being read; {@code bytes} stored size or -1. */
  default void layer(int index, int count, long bytes) {}

  /** Bytes downloaded so far in the current phase. */
  default void bytes(long done, long total) {}

  /** Something the user should know that is not an error (e.g. xattrs not preserved). */
  default void warning(String message) {}
}
