package dev.banger.vmm.accel;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Boots a throw-away guest under KVM to learn whether KVM can run guests here: on some hosts
 * (nested hypervisors) /dev/kvm opens and creates VMs, yet QEMU aborts or the kernel hangs.
 */
public interface KvmProbe {
  /** The VMM program the probe runs (part of the cache key), or empty when it is not installed. */
  Optional<Path> binary();

  /**
   * Boots {@code kernel} under KVM with a tiny initrd that prints a marker and powers off.
   * Returns {@code USABLE} when the marker appeared, {@code CANNOT_RUN_GUESTS} when the VMM
   * failed or nothing arrived within {@code timeout}, {@code NOT_PROBED} when it could not try.
   * Leaves no process behind, even when the caller dies during the probe.
   */
  KvmVerdict run(Path kernel, Duration timeout);
}
