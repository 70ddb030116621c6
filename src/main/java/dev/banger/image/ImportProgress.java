package dev.banger.image;

/**
 * Progress of an import or pull, for a progress bar. Called from the importing threads (the scan
 * reads layers in parallel, so calls may be concurrent); keep it cheap and thread-safe. All
 * methods default to doing nothing.
 */
public interface ImportProgress {
  ImportProgress NONE = new ImportProgress() {};

  /** A phase starts: "download", "scan", "build". */
  default void phase(String name) {}

  /** Layer {@code index} (1-based) of {@code count} is being read; {@code bytes} stored size or -1. */
  default void layer(int index, int count, long bytes) {}

  /**
   * Stored (compressed) bytes handled so far in the current phase, across all its layers: downloaded
   * in "download", read in "scan" and "build"; {@code total} is -1 when not known.
   */
  default void bytes(long done, long total) {}

  /** Something the user should know that is not an error (e.g. xattrs not preserved). */
  default void warning(String message) {}
}
