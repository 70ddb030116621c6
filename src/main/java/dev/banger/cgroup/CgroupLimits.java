package dev.banger.cgroup;

import dev.banger.error.BangerException;

/**
 * The limits of one VM's cgroup.
 *
 * @param cpus the CPU quota in cores ({@code --cpu-quota 1.5}: one and a half cores' time per
 *     period), or null for none
 * @param memoryMaxBytes {@code memory.max}: the guest's memory plus the VMM's overhead
 */
public record CgroupLimits(Double cpus, long memoryMaxBytes) {
  /** cgroup v2's default CPU period, in microseconds. */
  public static final long PERIOD_MICROS = 100_000;
  /** The quota's bounds: a hundredth of a core (1 ms per period, the kernel's floor) to banger's vCPU cap. */
  public static final double MIN_CPUS = 0.01;
  public static final double MAX_CPUS = 32;

  /** The limits of a VM with {@code memoryMib} of guest memory, {@code overheadBytes} for the VMM, and a quota. */
  public static CgroupLimits of(Double cpus, long memoryMib, long overheadBytes) {
    check(cpus);
    return new CgroupLimits(cpus, memoryMib * 1024 * 1024 + overheadBytes);
  }

  /** Refuses a quota outside 0.01-32 cores (or not a number) with one clear line. */
  public static void check(Double cpus) {
    if (cpus != null && (cpus.isNaN() || cpus < MIN_CPUS || cpus > MAX_CPUS)) {
      throw BangerException.invalid("--cpu-quota must be between " + MIN_CPUS + " and " + (int) MAX_CPUS
          + " cores (e.g. 0.5 for half a core), got " + cpus);
    }
  }

  /** The {@code cpu.max} line: quota and period in microseconds, or {@code max} for none. */
  public String cpuMax() {
    return cpus == null ? "max " + PERIOD_MICROS : Math.round(cpus * PERIOD_MICROS) + " " + PERIOD_MICROS;
  }
}
