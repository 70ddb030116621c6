package dev.banger.vm;

import dev.banger.store.VmRepository.VmRow;
import dev.banger.vmm.LaunchSpec;
import dev.banger.vmm.ProcessIdentity;
import dev.banger.vmm.VmmProcess;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The VMM processes this daemon watches, by VM id: the ones it launched and the ones reconcile
 * adopted. {@link #of} falls back to adopting the process the VM's handles name, so a VM this
 * daemon never watched (a crash between spawn and record) can still be stopped.
 */
final class LiveProcesses {
  private final Map<String, VmmProcess> live = new ConcurrentHashMap<>();
  private final VmResources resources;
  private final VmRecorder recorder;

  LiveProcesses(VmResources resources, VmRecorder recorder) {
    this.resources = resources;
    this.recorder = recorder;
  }

  void put(String vmId, VmmProcess process) {
    live.put(vmId, process);
  }

  VmmProcess get(String vmId) {
    return live.get(vmId);
  }

  void remove(String vmId) {
    live.remove(vmId);
  }

  /** Forgets {@code process} only while it is still the VM's (an undo racing a newer boot keeps the newer). */
  void remove(String vmId, VmmProcess process) {
    live.remove(vmId, process);
  }

  Set<String> ids() {
    return Set.copyOf(live.keySet());
  }

  /** The VM's watched VMM, else the live process its handles name (adopted), else null. */
  VmmProcess of(VmRow row) {
    VmmProcess process = live.get(row.runtime().id());
    if (process != null) {
      return process;
    }
    LaunchSpec launch = resources.launchSpec(row);
    Optional<ProcessIdentity> identity = ProcessIdentity.fromHandles(recorder.current(row.runtime().id()), launch.processMarker());
    return identity.flatMap(who -> resources.vmmFor(row.spec()).adopt(who, launch)).orElse(null);
  }
}
