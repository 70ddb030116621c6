package dev.banger.vm;

import dev.banger.host.ProcFs;
import dev.banger.model.VmHandles;
import dev.banger.network.Network;
import dev.banger.rootdisk.DiskSnapshot;
import dev.banger.rootdisk.DiskSpec;
import dev.banger.rootdisk.DiskSweep;
import dev.banger.rootdisk.RootDisk;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What one reconcile pass sees of the host, listed once per pass instead of once per VM (issue
 * 17): the links (one {@code ip link show}), loops and dm targets ({@link DiskSnapshot}) and the
 * command lines in /proc (one scan). Each part is listed on first use. It only ever proves a resource present: one it does not show is checked directly, so a tap
 * or disk made after the listing is never taken for missing, and a pass decides as it did
 * before, with fewer commands.
 */
final class HostSnapshot {
  private final Network network;
  private final DiskSweep disks;
  private final ProcFs proc;
  private Set<String> links;
  private DiskSnapshot disk;
  private Map<Long, List<String>> cmdlines;

  HostSnapshot(Network network, DiskSweep disks, ProcFs proc) {
    this.network = network;
    this.disks = disks;
    this.proc = proc;
  }

  synchronized boolean tapExists(String tap) {
    if (links == null) {
      links = network.linkNames();
    }
    return links.contains(tap) || network.tapExists(tap);
  }

  synchronized boolean diskActive(RootDisk root, DiskSpec spec, VmHandles handles) {
    if (disk == null) {
      disk = disks.snapshot();
    }
    return disk.isActive(root, spec, handles);
  }

  /** The process whose command line names {@code apiSocket}, from one /proc scan per pass, else a fresh one. */
  synchronized Optional<Long> processNaming(String apiSocket) {
    if (cmdlines == null) {
      cmdlines = scan();
    }
    Optional<Long> seen = find(cmdlines, apiSocket);
    return seen.isPresent() ? seen : find(scan(), apiSocket);
  }

  private Map<Long, List<String>> scan() {
    Map<Long, List<String>> all = new HashMap<>();
    for (long pid : proc.pids()) {
      proc.cmdline(pid).ifPresent(argv -> all.put(pid, argv));
    }
    return all;
  }

  private static Optional<Long> find(Map<Long, List<String>> cmdlines, String apiSocket) {
    return cmdlines.entrySet().stream().filter(e -> e.getValue().contains(apiSocket)).map(Map.Entry::getKey).findFirst();
  }
}
