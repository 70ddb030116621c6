package dev.banger.metrics;

import java.util.Objects;

/**
 * One VM as the metrics see it at a scrape.
 *
 * @param name the VM's name (the {@code vm} label)
 * @param state its state as shown by {@code banger ls} ({@code running}, {@code stopped}, …)
 * @param vmm {@code firecracker} or {@code qemu}
 * @param pid its VMM's pid, or null when it has none
 * @param pidStartTime the VMM's start time in clock ticks, so a reused pid is never measured
 */
public record VmSample(String name, String state, String vmm, Long pid, Long pidStartTime) {
  public VmSample {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(state, "state");
    vmm = vmm == null ? "unknown" : vmm;
  }
}
