package dev.banger.rootdisk;

import dev.banger.host.CommandRunner;
import java.util.Objects;

/**
 * The daemon's root-disk strategies: the default for new VMs (chosen once at start from
 * {@code --rootdisk}), and each strategy by name, because an existing VM is torn down with the
 * strategy recorded on it, whatever the current default.
 */
public final class RootDisks {
  private final RootDiskStrategy defaultStrategy;
  private final CommandRunner runner;

  public RootDisks(RootDiskStrategy defaultStrategy, CommandRunner runner) {
    this.defaultStrategy = Objects.requireNonNull(defaultStrategy, "defaultStrategy");
    this.runner = Objects.requireNonNull(runner, "runner");
  }

  /** Resolves {@code --rootdisk auto|dm|copy} against this host. */
  public static RootDisks fromOption(String option, CommandRunner runner) {
    return new RootDisks(RootDiskStrategy.resolve(option, runner, RootDiskStrategy.MAPPER_CONTROL), runner);
  }

  public RootDiskStrategy defaultStrategy() {
    return defaultStrategy;
  }

  public RootDisk forDefault() {
    return forStrategy(defaultStrategy);
  }

  /** The implementation for a VM's recorded strategy (VmRuntime.rootdiskStrategy). */
  public RootDisk forStrategy(RootDiskStrategy strategy) {
    return switch (strategy) {
      case DM -> new DmSnapshotDisk(runner);
      case COPY -> new CopyDisk(runner);
    };
  }

  /**
   * Copies a VM's disk file ({@link DiskSpec#disk}: a COW file or a whole disk) for a snapshot or
   * a clone (issue 16): a reflink where the filesystem supports it, else a sparse copy.
   */
  public void copyDiskFile(java.nio.file.Path from, java.nio.file.Path target) {
    CopyDisk.cloneFile(runner, from, target);
  }
}
