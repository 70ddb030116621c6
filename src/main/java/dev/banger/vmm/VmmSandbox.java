package dev.banger.vmm;

import dev.banger.host.SweepReport;
import dev.banger.model.HandleSink;
import dev.banger.model.Holdings;
import dev.banger.model.OrphanSweep;
import java.util.function.Predicate;

/**
 * An optional ability of a {@link Vmm}: host state around its process that a start builds before
 * launch (the Firecracker jailer's chroot and cgroup). The VM lifecycle runs {@link #prepare} as
 * its own start step, {@code vmm.jail}; {@link Vmm#launchSpec} then reaches the VMM inside.
 * Removal needs no VMM: {@link JailCleanup} works from the recorded handles alone, so a jail is
 * removed even when the daemon no longer runs the jailer.
 */
public interface VmmSandbox extends OrphanSweep {
  /**
   * Builds the sandbox for one boot, recording each path in {@code sink} before creating it; does
   * nothing when this VMM is not configured to sandbox. A failure leaves what exists recorded, for
   * the caller's undo ({@link JailCleanup#remove}).
   */
  void prepare(LaunchSpec spec, BootConfig boot, HandleSink sink);

  /**
   * Removes sandboxes, and any process still in one, of VMs that do not own them: a VM owns its
   * jail and cgroup while its live handles hold a process or record them. {@link Holdings#live}
   * is asked at the moment of each decision, so a start recording its jail meanwhile is seen.
   */
  @Override
  default SweepReport sweep(Holdings held) {
    return sweep(held::ownsSandbox);
  }

  /** {@link #sweep(Holdings)} with the ownership test given per VM id. */
  SweepReport sweep(Predicate<String> owned);
}
