package dev.banger.vm;

import dev.banger.cgroup.CgroupLimits;
import dev.banger.cgroup.VmCgroups;
import dev.banger.model.HandleSink;
import dev.banger.model.VmHandles;
import dev.banger.store.VmRepository.VmRow;
import dev.banger.vmm.JailCleanup;
import dev.banger.vmm.LaunchSpec;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The resource bounds of every VM: its VMM's own cgroup (step {@code vmm.cgroup}) and its console
 * log's rotation.
 *
 * @param cgroups the VMMs' cgroups, or null for none (tests, hosts without cgroup v2)
 * @param consoleLogMaxBytes a console log is rotated past this size
 * @param consoleLogKeep rotated generations kept
 */
public record VmLimits(VmCgroups cgroups, long consoleLogMaxBytes, int consoleLogKeep) {
  public static final VmLimits NONE = new VmLimits(null, LaunchSpec.DEFAULT_CONSOLE_CAP, 1);

  private Optional<Path> dirFor(String vmId) {
    return cgroups == null ? Optional.empty() : cgroups.dirFor(vmId);
  }

  /**
   * Records the VM's cgroup as its {@code cgroupDir} handle, then makes it with the VM's limits.
   * Runs after the jail step: a jailer with a parent cgroup of the same name shares the directory.
   */
  void create(VmRow row, HandleSink sink) {
    String id = row.runtime().id();
    Optional<Path> dir = dirFor(id);
    if (dir.isEmpty()) {
      return; // no cgroup v2 here: the daemon warned at start
    }
    sink.apply(h -> h.withJail(h.jailDir(), dir.get().toString()));
    cgroups.create(id, dir.get(), CgroupLimits.of(row.spec().cpuQuota(), row.spec().memoryMib(), cgroups.overheadBytes()));
  }

  /** Removes the recorded cgroup (the undo of {@link #create}). */
  void remove(String vmId, VmHandles current, HandleSink sink) {
    if (current.cgroupDir() != null) {
      JailCleanup.removeCgroup(Path.of(current.cgroupDir()), vmId);
      sink.apply(h -> h.withJail(h.jailDir(), null));
    }
  }

  /** The cgroup a VM's VMM joins at launch: its recorded handle when that is banger's cgroup for it. */
  Path cgroupOf(String vmId, VmHandles handles) {
    return handles.cgroupDir() == null ? null : dirFor(vmId).filter(d -> d.toString().equals(handles.cgroupDir())).orElse(null);
  }
}
