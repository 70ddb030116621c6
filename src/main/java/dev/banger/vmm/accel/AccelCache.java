package dev.banger.vmm.accel;

import dev.banger.json.Json;
import dev.banger.store.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probe verdicts kept in the state directory ({@code accel/verdicts.json}), keyed by what could
 * change the outcome: the host boot, the VMM binary and the kernel. Entries of earlier host boots
 * are dropped on write. A damaged file counts as empty: the next probe rewrites it.
 */
public final class AccelCache {
  private static final Logger LOG = LoggerFactory.getLogger(AccelCache.class);
  static final String FILE_NAME = "verdicts.json";

  /**
   * What a verdict depends on.
   *
   * @param bootId the host's {@code /proc/sys/kernel/random/boot_id}
   * @param binary the VMM program, with its size and modification time, e.g. {@code /usr/bin/qemu…:12345:1700000000000}
   * @param kernel the kernel file, likewise
   */
  public record Key(String bootId, String binary, String kernel) {}

  /** One cached verdict and when it was measured. */
  record Entry(Key key, String kind, String detail, long probeMillis, Instant probedAt) {
    KvmVerdict verdict() {
      return new KvmVerdict(KvmVerdict.Kind.valueOf(kind), detail, probeMillis);
    }
  }

  record Document(List<Entry> entries) {}

  private final Path file;

  public AccelCache(Path dir) {
    this.file = dir.resolve(FILE_NAME);
  }

  public Optional<KvmVerdict> find(Key key) {
    return read().stream().filter(e -> e.key().equals(key)).map(Entry::verdict).findFirst();
  }

  /** The newest verdict measured during this host boot with this binary, whatever the kernel (for doctor). */
  public Optional<KvmVerdict> newest(String bootId, String binary) {
    return read().stream().filter(e -> e.key().bootId().equals(bootId) && e.key().binary().equals(binary))
        .max(java.util.Comparator.comparing(Entry::probedAt)).map(Entry::verdict);
  }

  public synchronized void put(Key key, KvmVerdict verdict) {
    List<Entry> kept = new ArrayList<>();
    for (Entry e : read()) {
      if (e.key().bootId().equals(key.bootId()) && !e.key().equals(key)) {
        kept.add(e);
      }
    }
    kept.add(new Entry(key, verdict.kind().name(), verdict.detail(), verdict.probeMillis(), Instant.now()));
    try {
      Files.createDirectories(file.getParent());
      sweepTemporaries();
      AtomicFiles.write(file, Json.write(new Document(kept)).getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // The verdict still applies to this decision; the next start probes again.
      LOG.atWarn().addKeyValue("file", file).addKeyValue("error", e.toString()).log("cannot save the acceleration verdict");
    }
  }

  /** Removes what a daemon that died mid-write left (AtomicFiles' temporary files); only the daemon writes here. */
  private void sweepTemporaries() throws IOException {
    try (var files = Files.newDirectoryStream(file.getParent(), AtomicFiles.TEMP_PREFIX + "*")) {
      for (Path leftover : files) {
        Files.deleteIfExists(leftover);
      }
    }
  }

  private List<Entry> read() {
    try {
      Document doc = Json.mapper().readValue(Files.readString(file, StandardCharsets.UTF_8), Document.class);
      return doc.entries() == null ? List.of() : doc.entries();
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException | RuntimeException e) {
      LOG.atWarn().addKeyValue("file", file).addKeyValue("error", e.toString()).log("ignoring a damaged acceleration cache");
      return List.of();
    }
  }
}
