package dev.banger.vm;

import dev.banger.error.BangerException;
import dev.banger.model.HandleSink;
import dev.banger.model.VmHandles;
import dev.banger.model.VmRuntime;
import dev.banger.store.HandlesFile;
import dev.banger.store.VmRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Keeps a VM's live handles in three places at once — the in-memory cache (canonical), the
 * VM's {@code handles.json}, and the teardown mirror on its VmRuntime row — and writes all three
 * before a caller goes on to its next side effect. Callers hold the VM's lock.
 */
final class VmRecorder {
  private final VmRepository repo;
  private final Map<String, VmHandles> cache = new ConcurrentHashMap<>();

  VmRecorder(VmRepository repo) {
    this.repo = repo;
  }

  /** The sink host-resource code reports to for this VM. */
  HandleSink sinkFor(String vmId) {
    return change -> apply(vmId, change);
  }

  /** The canonical handles: the cache, else (after a restart) what the caller loaded. */
  Optional<VmHandles> cached(String vmId) {
    return Optional.ofNullable(cache.get(vmId));
  }

  VmHandles current(String vmId) {
    return cache.getOrDefault(vmId, VmHandles.EMPTY);
  }

  /** Puts handles in the cache and on disk, e.g. when reconcile rebuilds a running VM's entry. */
  void adopt(String vmId, VmHandles handles) {
    apply(vmId, h -> handles);
  }

  /**
   * As {@link #adopt}, but when handles.json and the mirror already hold exactly {@code handles}
   * only the cache is filled: rewriting them changes nothing and costs an fsync and a commit per
   * running VM at every daemon start (issue 17).
   */
  synchronized void adoptRecorded(String vmId, VmHandles handles) {
    VmRuntime runtime = runtime(vmId);
    if (handles.equals(runtime.mirror())
        && new HandlesFile(Path.of(runtime.vmDir()), vmId).load() instanceof HandlesFile.Load.Present present
        && present.handles().equals(handles)) {
      cache.put(vmId, handles);
      return;
    }
    adopt(vmId, handles);
  }

  synchronized VmHandles apply(String vmId, UnaryOperator<VmHandles> change) {
    VmHandles next = change.apply(current(vmId));
    VmRuntime runtime = runtime(vmId);
    Path dir = Path.of(runtime.vmDir());
    try {
      dev.banger.host.PrivateFiles.directories(dir);
      new HandlesFile(dir, vmId).write(next);
    } catch (IOException e) {
      throw BangerException.internal("cannot record handles of VM " + vmId + " in " + dir + ": " + e.getMessage(), e);
    }
    repo.updateRuntime(runtime.withMirror(next));
    cache.put(vmId, next);
    return next;
  }

  /**
   * Clears the recovery state once teardown has released everything: handles.json removed,
   * mirror emptied, cache entry dropped. Refuses while a handle remains, so a VM is never marked
   * clean while it still owns something.
   */
  synchronized void clear(String vmId) {
    VmHandles left = current(vmId);
    if (!left.holdsNothing()) {
      throw new IllegalStateException("VM " + vmId + " still holds " + left);
    }
    VmRuntime runtime = runtime(vmId);
    try {
      new HandlesFile(Path.of(runtime.vmDir()), vmId).delete();
    } catch (IOException e) {
      throw BangerException.internal("cannot remove handles.json of VM " + vmId + ": " + e.getMessage(), e);
    }
    repo.updateRuntime(runtime.withMirror(VmHandles.EMPTY));
    cache.remove(vmId);
  }

  void forget(String vmId) {
    cache.remove(vmId);
  }

  private VmRuntime runtime(String vmId) {
    return repo.findById(vmId).orElseThrow(() -> BangerException.notFound("no VM with id " + vmId)).runtime();
  }
}
