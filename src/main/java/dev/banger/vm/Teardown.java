package dev.banger.vm;

import dev.banger.model.HandleSink;
import dev.banger.model.VmHandles;
import dev.banger.network.Network;
import dev.banger.store.VmRepository.VmRow;
import dev.banger.vmm.JailCleanup;
import dev.banger.vmm.VmmProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The fixed teardown of a VM (DESIGN.md, "Lifecycle and crash safety"): VMM process, jail, tap,
 * disk, API socket, then the recovery state. Each step treats "already gone" as success. Stop,
 * a VMM's own exit, a failed start and reconcile all end here; callers hold the VM's lock.
 */
final class Teardown {
  private final VmRecorder recorder;
  private final VmResources resources;
  private final Network network;
  private final LiveProcesses live;

  private final dev.banger.volume.VolumeMounts volumes;

  Teardown(VmRecorder recorder, VmResources resources, Network network, LiveProcesses live,
      dev.banger.volume.VolumeMounts volumes) {
    this.volumes = volumes;
    this.recorder = recorder;
    this.resources = resources;
    this.network = network;
    this.live = live;
  }

  /** Runs the teardown; returns what could not be removed (then the handles stay recorded for the next reconcile). */
  List<String> run(VmRow row) {
    String id = row.runtime().id();
    HandleSink sink = recorder.sinkFor(id);
    List<String> failures = new ArrayList<>();
    VmHandles handles = recorder.current(id);
    if (handles.pid() != null) {
      VmmProcess process = live.of(row);
      if (process != null && process.isAlive()) {
        resources.vmmFor(row.spec()).kill(process);
        if (process.awaitExit(Duration.ofSeconds(10)).isEmpty()) {
          failures.add("VMM " + process + " survived SIGKILL");
          return failures;
        }
      }
      live.remove(id);
      sink.apply(h -> h.withProcess(null, null));
    }
    CrashPoints.reach(CrashPoint.STOP_JAIL_BEFORE);
    try {
      JailCleanup.remove(id, recorder.current(id), sink);
    } catch (RuntimeException e) {
      failures.add("jail: " + e.getMessage());
    }
    CrashPoints.reach(CrashPoint.STOP_NET_BEFORE);
    try {
      network.detach(id, sink);
    } catch (RuntimeException e) {
      failures.add("tap: " + e.getMessage());
    }
    CrashPoints.reach(CrashPoint.STOP_DISK_BEFORE);
    try {
      resources.diskFor(row.runtime()).release(resources.diskSpec(row), recorder.current(id), sink);
    } catch (RuntimeException e) {
      failures.add("disk: " + e.getMessage());
    }
    try {
      volumes.release(id);
    } catch (RuntimeException e) {
      failures.add("volumes: " + e.getMessage());
    }
    try {
      Files.deleteIfExists(Path.of(row.runtime().apiSocket()));
    } catch (IOException e) {
      failures.add("API socket: " + e.getMessage());
    }
    CrashPoints.reach(CrashPoint.STOP_CLEAR_BEFORE);
    if (failures.isEmpty() && recorder.current(id).holdsNothing()) {
      recorder.clear(id);
    }
    return failures;
  }
}
