package dev.banger.vm;

import dev.banger.model.VmRuntime;
import dev.banger.model.VmState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The last words of VMs that {@code --rm} removed when they stopped: their final state, exit code
 * and error, and the console output of their last boot, kept in memory for a minute. A client
 * attached with {@code banger run -a --rm} reads them through the console endpoint after the VM
 * is gone, as {@code docker run --rm} still reports the exit code of a removed container. Lost
 * with the daemon: a restart in that minute turns the answer into "no such VM".
 */
final class RemovedVms {
  static final long KEEP_NANOS = 60_000_000_000L;
  static final int MAX_ENTRIES = 64;
  static final int MAX_LOG_BYTES = 4 << 20;

  /** One removed VM; {@code log} holds the console log from byte {@code logStart} on. */
  @SuppressWarnings("ArrayRecordComponent") // read-only, handed out as copies
  record Removed(String id, String name, VmState state, Integer exitCode, String lastError, byte[] log, long logStart,
      long removedAt) {
    /** The bytes from {@code offset} on (from the start of what is kept when the offset is older), and the next offset. */
    dev.banger.vmm.ConsoleLog.Chunk read(long offset) {
      long end = logStart + log.length;
      long from = offset < logStart || offset > end ? logStart : offset;
      return new dev.banger.vmm.ConsoleLog.Chunk(Arrays.copyOfRange(log, (int) (from - logStart), log.length), end);
    }
  }

  private final Map<String, Removed> byName = new LinkedHashMap<>();

  /** Keeps what a client may still ask about {@code runtime}, read just before its directory goes. */
  synchronized void remember(VmRuntime runtime) {
    expire();
    byte[] log = new byte[0];
    long start = 0;
    if (runtime.consoleLog() != null) {
      Path file = Path.of(runtime.consoleLog());
      try (InputStream in = Files.newInputStream(file)) {
        long size = Files.size(file);
        long boot = runtime.bootLogOffset() == null || runtime.bootLogOffset() > size ? 0 : runtime.bootLogOffset();
        start = Math.max(boot, size - MAX_LOG_BYTES);
        in.skipNBytes(start);
        log = in.readNBytes(MAX_LOG_BYTES);
      } catch (IOException e) {
        // No log to keep: the state and exit code are still worth keeping.
        start = 0;
      }
    }
    byName.remove(runtime.name());
    byName.put(runtime.name(), new Removed(runtime.id(), runtime.name(), runtime.state(), runtime.exitCode(),
        runtime.lastError(), log, start, System.nanoTime()));
    while (byName.size() > MAX_ENTRIES) {
      byName.remove(byName.keySet().iterator().next());
    }
  }

  synchronized Optional<Removed> find(String nameOrId) {
    expire();
    Removed byItsName = byName.get(nameOrId);
    if (byItsName != null) {
      return Optional.of(byItsName);
    }
    return byName.values().stream().filter(r -> r.id().equals(nameOrId)).findFirst();
  }

  /** A VM created again under a removed one's name is not that one. */
  synchronized void forget(String name) {
    byName.remove(name);
  }

  private void expire() {
    long now = System.nanoTime();
    for (Iterator<Removed> it = byName.values().iterator(); it.hasNext(); ) {
      if (now - it.next().removedAt() > KEEP_NANOS) {
        it.remove();
      }
    }
  }
}
