package dev.banger.model;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * What the VMs hold, as one sweep pass sees it: the one keep-set every {@link OrphanSweep} is
 * given. A sweeper removes a banger-named resource only when no handles here name it.
 *
 * @param recorded every VM's handles (the daemon's live ones, else the row's mirror), by VM id,
 *     taken once at the start of the pass
 * @param live the handles the daemon holds for a VM id now, asked at the moment of each decision
 *     (so a start that records a resource meanwhile is seen); empty for a VM no row names
 */
public record Holdings(Map<String, VmHandles> recorded, Function<String, Optional<VmHandles>> live) {
  public Holdings {
    recorded = Map.copyOf(recorded);
  }

  /** A fixed set of handles, the same for {@link #live} as for {@link #recorded}. */
  public static Holdings of(Map<String, VmHandles> recorded) {
    Map<String, VmHandles> copy = Map.copyOf(recorded);
    return new Holdings(copy, id -> Optional.ofNullable(copy.get(id)));
  }

  /**
   * True while VM {@code vmId}'s live handles hold a process or record a jail or cgroup: it owns
   * its VMM's sandbox (jail, cgroup) then. Asked at the moment of each decision.
   */
  public boolean ownsSandbox(String vmId) {
    return live.apply(vmId).map(h -> h.pid() != null || h.jailDir() != null || h.cgroupDir() != null).orElse(false);
  }
}
