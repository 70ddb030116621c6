package dev.banger.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.ProcessCommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

/** Debian bookworm root file systems built by mmdebstrap for the guest tests. */
final class DebianImages {
  private DebianImages() {}

  /**
   * {@code mmdebstrap --variant=minbase --include=PACKAGES bookworm} as a tarball at {@code cache},
   * built only when it is missing (published by rename, so an interrupted run leaves none); the
   * test is skipped when no Debian mirror answers. A different package list needs another file.
   */
  static Path cached(Path cache, String packages) throws IOException {
    if (Files.isRegularFile(cache)) {
      return cache;
    }
    Files.createDirectories(cache.getParent());
    Path temp = cache.resolveSibling(".mmdebstrap-" + ProcessHandle.current().pid() + "-" + cache.getFileName());
    CommandResult made = new ProcessCommandRunner().run(Command.of("mmdebstrap", "--quiet", "--variant=minbase",
        "--include=" + packages, "bookworm", temp.toString()).withTimeout(Duration.ofMinutes(20)));
    assumeTrue(made.ok(), "mmdebstrap could not build Debian bookworm with " + packages + " (no Debian mirror?): " + made.stderr());
    Files.move(temp, cache, StandardCopyOption.ATOMIC_MOVE);
    return cache;
  }
}
