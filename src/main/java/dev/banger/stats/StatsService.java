package dev.banger.stats;

import dev.banger.error.BangerException;
import dev.banger.host.HostStats;
import dev.banger.host.ProcFs;
import dev.banger.host.ProcReadException;
import dev.banger.model.VmHandles;
import dev.banger.model.VmState;
import dev.banger.store.VmRepository.VmRow;
import dev.banger.vm.VmService;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Samples VMs for {@code banger stats}: the VMM process from /proc (only when its pid still has
 * the recorded start time), the VM's own disk file, and the tap's counters, turned to the guest's
 * view (what the tap sends, the guest receives).
 */
public final class StatsService {
  private final VmService vms;
  private final ProcFs proc;
  private final HostStats host;
  private final String netns;

  public StatsService(VmService vms, ProcFs proc, HostStats host, String netns) {
    this.vms = vms;
    this.proc = proc;
    this.host = host;
    this.netns = netns;
  }

  /** The named VMs (each must exist), or every running VM when none is named. */
  public List<VmStats> sample(List<String> names) {
    List<VmRow> rows = new ArrayList<>();
    if (names.isEmpty()) {
      vms.list().stream().filter(r -> r.runtime().state() == VmState.RUNNING).forEach(rows::add);
    } else {
      for (String name : names) {
        rows.add(vms.get(name)); // not found is a 404 naming it
      }
    }
    return rows.stream().map(this::sample).toList();
  }

  private VmStats sample(VmRow row) {
    VmHandles h = vms.handles(row.runtime().id());
    Optional<ProcFs.Usage> usage = Optional.empty();
    if (h.pid() != null) {
      try {
        usage = proc.usage(h.pid()).filter(u -> h.pidStartTime() == null || u.startTime() == h.pidStartTime());
      } catch (ProcReadException e) {
        throw new BangerException(dev.banger.error.ErrorKind.UNAVAILABLE, "cannot read the VMM's usage of '" + row.runtime().name() + "' from /proc: "
            + e.getMessage() + "; try again");
      }
    }
    Long disk = row.runtime().cowPath() == null ? null
        : boxed(host.allocatedBytes(Path.of(row.runtime().cowPath())));
    Optional<HostStats.LinkBytes> tap = h.tapDevice() == null ? Optional.empty() : host.link(netns, h.tapDevice());
    return new VmStats(row.runtime().name(), row.runtime().state().wire(), System.currentTimeMillis(),
        usage.map(ProcFs.Usage::cpuSeconds).orElse(null), usage.map(ProcFs.Usage::rssBytes).orElse(null),
        row.spec().memoryMib() << 20, disk,
        tap.map(HostStats.LinkBytes::tx).orElse(null), tap.map(HostStats.LinkBytes::rx).orElse(null));
  }

  private static Long boxed(java.util.OptionalLong v) {
    return v.isPresent() ? v.getAsLong() : null;
  }
}
