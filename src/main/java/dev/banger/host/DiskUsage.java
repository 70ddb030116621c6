package dev.banger.host;

import java.nio.file.Path;

/** The bytes a file or a directory tree takes on disk (allocated blocks, so sparse files count what they hold), by {@code du}. */
public final class DiskUsage {
  private final CommandRunner host;

  public DiskUsage(CommandRunner host) {
    this.host = host;
  }

  /** Allocated bytes under {@code path} on its own file system; 0 when it is gone or unreadable. */
  public long allocated(Path path) {
    CommandResult r = host.run(Command.of("du", "-s", "-x", "-B1", "--", path.toString()));
    if (!r.ok()) {
      return 0;
    }
    try {
      return Long.parseLong(r.stdout().strip().split("\\s+")[0]);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
