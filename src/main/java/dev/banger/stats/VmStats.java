package dev.banger.stats;

/**
 * One sample of a VM's usage; counters grow from the VMM's start, so rates come from two samples.
 *
 * @param name the VM's name
 * @param state its state
 * @param sampledAtMillis when the sample was taken (ms since the epoch)
 * @param cpuSeconds CPU time of the VMM process (user + system), or null when it has none
 * @param memoryBytes resident memory of the VMM process, or null
 * @param memoryLimitBytes the guest memory the VM was given
 * @param diskBytes bytes the VM's own disk (COW file, or its copy) occupies on the host, or null
 * @param rxBytes bytes the guest received through its tap, or null without one
 * @param txBytes bytes the guest sent through its tap, or null without one
 */
public record VmStats(String name, String state, long sampledAtMillis, Double cpuSeconds, Long memoryBytes,
    long memoryLimitBytes, Long diskBytes, Long rxBytes, Long txBytes) {}
