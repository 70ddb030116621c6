package dev.banger.vm;

import dev.banger.error.BangerException;
import dev.banger.store.StagedDirs;
import dev.banger.model.VmState;
import dev.banger.store.VmRepository;
import dev.banger.store.VmRepository.VmRow;
import dev.banger.vmm.VmmExit;
import dev.banger.vmm.VmmProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ends of a VM's life that {@link VmLifecycle} does not start itself: a VMM that exits on its
 * own (guest poweroff, crash, a --rm VM's end) is torn down and recorded; and a deleted VM's
 * directory is removed.
 */
final class VmExits {
  private static final Logger LOG = LoggerFactory.getLogger(VmExits.class);

  private final VmLifecycle lifecycle;
  private final VmRepository repo;
  private final LiveProcesses live;
  private final BootEndings endings;
  private final RemovedVms removed;

  VmExits(VmLifecycle lifecycle, VmRepository repo, LiveProcesses live, BootEndings endings, RemovedVms removed) {
    this.lifecycle = lifecycle;
    this.repo = repo;
    this.live = live;
    this.endings = endings;
    this.removed = removed;
  }

  /** Notices a VMM that ends on its own (guest poweroff, crash) and tears the VM down. */
  void watch(String vmId, VmmProcess process) {
    var unused = process.onExit().thenAcceptAsync(exit -> {
      try {
        onExit(vmId, process, exit);
      } catch (RuntimeException e) {
        LOG.atWarn().addKeyValue("vm", vmId).setCause(e).log("cleanup after VMM exit failed");
      }
    }, r -> Thread.ofVirtual().name("vm-exit-" + vmId).start(r));
  }

  private void onExit(String vmId, VmmProcess process, VmmExit exit) {
    lifecycle.locked(vmId, () -> {
      Optional<VmRow> found = repo.findById(vmId);
      VmState state = found.map(r -> r.runtime().state()).orElse(VmState.STOPPED);
      if (live.get(vmId) != process || (state != VmState.RUNNING && state != VmState.PAUSED)) {
        return null; // A stop or delete is handling it.
      }
      LOG.atInfo().addKeyValue("vm", vmId).addKeyValue("exit", exit.describe()).log("VMM exited on its own");
      VmRow row = found.get();
      GuestExit.Outcome outcome = endings.decide(row, false);
      if (outcome instanceof GuestExit.Stopped && !exit.clean()) {
        outcome = new GuestExit.Failed("VMM " + exit.describe(), null);
      }
      List<String> failures = lifecycle.teardown(row);
      if (!failures.isEmpty()) {
        lifecycle.setState(vmId, VmState.ERROR, "VMM " + exit.describe() + "; teardown incomplete: " + String.join("; ", failures));
        return null;
      }
      endings.record(vmId, outcome);
      if (Boolean.TRUE.equals(row.spec().autoRemove())) {
        LOG.atInfo().addKeyValue("vm", vmId).log("removing VM started with --rm");
        removed.remember(repo.findById(vmId).orElseThrow().runtime());
        lifecycle.delete(vmId, false);
      }
      return null;
    });
  }

  /** Deletes a VM directory by rename first ({@link StagedDirs#remove}). */
  static void removeVmDir(Path vmDir) {
    try {
      StagedDirs.remove(vmDir);
    } catch (IOException e) {
      throw BangerException.internal("cannot remove VM directory " + vmDir + ": " + e.getMessage(), e);
    }
  }

}
