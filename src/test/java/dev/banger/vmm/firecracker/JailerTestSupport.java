package dev.banger.vmm.firecracker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Host facts jailer tests depend on. */
public final class JailerTestSupport {
  private JailerTestSupport() {}

  /** The cgroup v2 mount when this process may create cgroups in it (it probes with a mkdir). */
  public static Optional<Path> writableCgroupRoot() {
    Optional<Path> root = Jailer.findCgroupRoot();
    if (root.isEmpty()) {
      return root;
    }
    Path probe = root.get().resolve("banger-probe-" + ProcessHandle.current().pid());
    try {
      Files.createDirectory(probe);
      Files.delete(probe);
      return root;
    } catch (IOException | UnsupportedOperationException e) {
      return Optional.empty();
    }
  }
}
