package dev.banger.vmm.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.http.SocketUnreachableException;
import dev.banger.vmm.VmmErrors;
import dev.banger.vmm.VmmProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A QEMU guest's saved state: one migration stream ({@code migrate "exec:cat > FILE"}) holding RAM
 * and devices, read back by a QEMU started with {@code -incoming defer} ({@code migrate-incoming
 * "exec:cat FILE"}). Measured here against guest RAM in a shared file ({@code memory-backend-file}
 * plus {@code x-ignore-shared}), see the README's "Saved state": the stream restores as fast and
 * keeps a running guest's memory out of the page cache's write-back.
 */
final class QemuSavedState {
  /** The stream's name in the saved-state directory. */
  static final String FILE = "state.qemu";
  /** A 512 MiB guest writes ~100 MB; a slow disk or a busy host may take a while. */
  private static final Duration MIGRATION_TIMEOUT = Duration.ofMinutes(2);
  private static final long POLL_MILLIS = 5;
  /**
   * The guest is paused before the save, so nothing is dirtied while it streams: QEMU's defaults
   * (32 MiB/s, 300 ms downtime) would pace a 98 MB stream over ~3 s of iterations. Unlimited
   * bandwidth and a downtime limit above any stream's time make it one pass at disk speed.
   */
  static final Map<String, Object> SAVE_PARAMETERS = Map.of(
      "max-bandwidth", 1L << 40, "downtime-limit", 2_000_000L);

  private QemuSavedState() {}

  /** Writes the paused guest's state to {@code dir}/{@value #FILE}; returns once QEMU says the stream is complete. */
  static void save(VmmProcess vmm, Path dir, Duration qmpTimeout) {
    String file = quoted(dir.resolve(FILE));
    try (QmpClient qmp = connect(vmm, qmpTimeout, "save the guest's state")) {
      qmp.execute("migrate-set-parameters", SAVE_PARAMETERS);
      qmp.execute("migrate", Map.of("uri", "exec:cat > " + file));
      long deadline = System.nanoTime() + MIGRATION_TIMEOUT.toNanos();
      while (true) {
        JsonNode info = qmp.execute("query-migrate", Map.of());
        String status = info.path("status").asText();
        if (status.equals("completed")) {
          return;
        }
        if (status.equals("failed") || status.equals("cancelled")) {
          throw new BangerException(ErrorKind.INTERNAL, "QEMU could not save the state of VM " + vmm.spec().vmId()
              + ": migration " + status + (info.has("error-desc") ? " (" + info.get("error-desc").asText() + ")" : ""));
        }
        if (System.nanoTime() > deadline) {
          throw new BangerException(ErrorKind.UNAVAILABLE, "QEMU did not finish saving the state of VM "
              + vmm.spec().vmId() + " within " + MIGRATION_TIMEOUT.toSeconds() + " s (status " + status + ")");
        }
        VmmErrors.sleep(POLL_MILLIS, "QEMU");
      }
    }
  }

  /** Feeds {@code dir}/{@value #FILE} to a QEMU waiting for it; returns once the guest is loaded (still paused). */
  static void load(VmmProcess vmm, Path dir, Duration qmpTimeout) {
    String file = quoted(dir.resolve(FILE));
    long deadline = System.nanoTime() + MIGRATION_TIMEOUT.toNanos();
    try (QmpClient qmp = connect(vmm, qmpTimeout, "restore the guest's state")) {
      qmp.execute("migrate-incoming", Map.of("uri", "exec:cat " + file));
      while (true) {
        String status = qmp.execute("query-status", Map.of()).path("status").asText();
        if (!status.equals("inmigrate")) {
          JsonNode info = qmp.execute("query-migrate", Map.of());
          if (!info.path("status").asText("completed").equals("completed")) {
            throw new BangerException(ErrorKind.INTERNAL, "QEMU could not restore VM " + vmm.spec().vmId()
                + ": migration " + info.path("status").asText() + VmmErrors.tail(vmm));
          }
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new BangerException(ErrorKind.UNAVAILABLE, "QEMU did not finish restoring VM " + vmm.spec().vmId()
              + " within " + MIGRATION_TIMEOUT.toSeconds() + " s");
        }
        VmmErrors.sleep(POLL_MILLIS, "QEMU");
      }
    } catch (BangerException e) {
      // A stream QEMU cannot load ends the process: say so with what it printed.
      if (!vmm.isAlive() || vmm.awaitExit(Duration.ofMillis(500)).isPresent()) {
        throw VmmErrors.diedOrUnreachable(vmm, "QEMU", "Tried to restore the state of VM " + vmm.spec().vmId(), e);
      }
      throw e;
    }
  }

  private static QmpClient connect(VmmProcess vmm, Duration timeout, String purpose) {
    try {
      return QmpClient.connect(vmm.spec().apiSocket(), timeout);
    } catch (SocketUnreachableException e) {
      throw VmmErrors.diedOrUnreachable(vmm, "QEMU", "Tried to " + purpose + " (QMP)", e);
    }
  }

  /** The path in single quotes for the shell QEMU runs {@code exec:} through; banger's own paths have no quote. */
  static String quoted(Path path) {
    String s = path.toString();
    if (s.contains("'")) {
      throw BangerException.invalid("the saved-state path " + s + " contains a single quote: choose another state directory");
    }
    return "'" + s + "'";
  }
}
