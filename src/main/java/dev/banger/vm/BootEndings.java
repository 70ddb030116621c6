package dev.banger.vm;

import dev.banger.error.BangerException;
import dev.banger.model.VmHandles;
import dev.banger.model.VmRuntime;
import dev.banger.model.VmState;
import dev.banger.rootdisk.RootDiskStrategy;
import dev.banger.store.VmRepository;
import dev.banger.store.VmRepository.VmRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * How a boot ended once its VMM is gone ({@link GuestExit}: exited with a code, stopped, or
 * failed with a reason), read from what the guest left on its still-attached disk, and recorded
 * on the VM's row. Stop, a VMM's own exit and reconcile all decide and record through here.
 */
final class BootEndings {
  private final VmRepository repo;
  private final VmRecorder recorder;
  private final GuestExit guestExit;

  BootEndings(VmRepository repo, VmRecorder recorder, GuestExit guestExit) {
    this.repo = repo;
    this.recorder = recorder;
    this.guestExit = guestExit;
  }

  /** How the boot of {@code row} ended; {@code killed} when banger's stop had to kill its VMM. */
  GuestExit.Outcome decide(VmRow row, boolean killed) {
    return guestExit.decide(row.runtime(), row.spec().containerMode(), attachedDisk(row), killed);
  }

  /** Records how a boot ended: exited (with its code), stopped, or error with the reason and the console tail. */
  void record(String vmId, GuestExit.Outcome outcome) {
    VmRuntime runtime = repo.findById(vmId).orElseThrow(() -> BangerException.notFound("no VM with id " + vmId)).runtime();
    switch (outcome) {
      case GuestExit.Exited exited -> repo.updateRuntime(runtime.withState(VmState.EXITED, null)
          .withExit(exited.code(), Instant.now()));
      case GuestExit.Failed failed -> repo.updateRuntime(runtime.withState(VmState.ERROR, failed.reason() + ConsoleTail.of(runtime))
          .withExit(failed.code(), failed.code() == null ? null : Instant.now()));
      case GuestExit.Stopped stopped -> repo.updateRuntime(runtime.withState(VmState.STOPPED, null));
    }
  }

  /**
   * The VM's root disk while its handles still hold it: the dm device, or the VM's own file
   * (copy strategy); null when nothing is attached.
   */
  private Path attachedDisk(VmRow row) {
    VmHandles handles = recorder.current(row.runtime().id());
    if (handles.dmDev() != null) {
      return Path.of(handles.dmDev());
    }
    boolean copy = RootDiskStrategy.COPY.wire().equals(row.runtime().rootdiskStrategy());
    return copy && row.runtime().cowPath() != null && Files.isRegularFile(Path.of(row.runtime().cowPath()))
        ? Path.of(row.runtime().cowPath()) : null;
  }
}
