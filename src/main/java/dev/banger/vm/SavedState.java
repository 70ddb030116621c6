package dev.banger.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.banger.error.BangerException;
import dev.banger.host.TreeFiles;
import dev.banger.json.Json;
import dev.banger.store.AtomicFiles;
import dev.banger.store.StagedDirs;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A suspended VM's memory and device state in its directory (DESIGN.md, "Saved state"). The VMM
 * writes its files into a staged {@code saved.new-<random>/} ({@link StagedDirs}); {@link #publish}
 * fsyncs them, writes a manifest of each file's size and CRC32C and renames the directory to
 * {@code saved/}, so {@code saved/} is complete or absent. {@link #verify} checks every file against the manifest before a restore:
 * a torn or corrupted state is refused, never loaded.
 */
final class SavedState {
  static final String SAVED = "saved";
  static final String MANIFEST = "manifest.json";

  /** Checksums beside an fsync (seal) and deletions after a restore (discardSoon): virtual threads, they block on the disk. */
  private static final java.util.concurrent.Executor FILE_WORK = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

  private final Path vmDir;
  private Path staged;

  SavedState(Path vmDir) {
    this.vmDir = vmDir;
  }

  /** A fresh staged directory where the VMM writes; a crashed save's leftovers are removed first. */
  Path prepare() throws IOException {
    removeLeftovers();
    staged = StagedDirs.create(vmDir, SAVED);
    return staged;
  }

  /** The published directory. */
  Path dir() {
    return vmDir.resolve(SAVED);
  }

  boolean published() {
    return Files.isDirectory(dir());
  }

  /** Makes the staged directory durable, describes it, and renames it to {@code saved/}. */
  void publish() throws IOException {
    if (staged == null) {
      throw new IllegalStateException("publish without prepare");
    }
    seal(staged);
    StagedDirs.remove(dir());
    StagedDirs.publish(staged, dir());
    staged = null;
  }

  /**
   * Fsyncs the regular files directly in {@code dir} and writes {@value #MANIFEST} with each one's
   * size and CRC32C (subdirectories are not described: a snapshot's {@code disk/}).
   */
  static void seal(Path dir) throws IOException {
    // The checksums read the page cache while the fsync writes it out: one costs what the longer does.
    List<Path> sealed = list(dir);
    java.util.concurrent.CompletableFuture<long[]> crcs = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      long[] values = new long[sealed.size()];
      for (int i = 0; i < values.length; i++) {
        try {
          values[i] = crc(sealed.get(i));
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
      return values;
    }, FILE_WORK);
    StagedDirs.syncFiles(dir);
    long[] values;
    try {
      values = crcs.join();
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : new IOException(e.getCause());
    }
    ObjectNode manifest = Json.mapper().createObjectNode();
    ObjectNode files = manifest.putObject("files");
    for (int i = 0; i < values.length; i++) {
      Path file = sealed.get(i);
      files.putObject(file.getFileName().toString()).put("size", Files.size(file)).put("crc32c", values[i]);
    }
    AtomicFiles.write(dir.resolve(MANIFEST), Json.mapper().writeValueAsBytes(manifest));
  }

  /** Checks {@code saved/} against its manifest; throws (FAILED_PRECONDITION) naming what is wrong. */
  void verify(String vmName) {
    check(dir(), "the saved state of VM '" + vmName + "' in " + dir(), "`banger stop` discards it (the VM then boots afresh)");
  }

  /**
   * Checks every file {@code dir}'s manifest lists; throws (FAILED_PRECONDITION) beginning with
   * {@code what} and naming the file that is missing or corrupted, with {@code remedy}.
   */
  static void check(Path dir, String what, String remedy) {
    try {
      if (!Files.isRegularFile(dir.resolve(MANIFEST))) {
        throw BangerException.precondition(what + " is incomplete (no " + MANIFEST + ")");
      }
      JsonNode files = Json.mapper().readTree(Files.readAllBytes(dir.resolve(MANIFEST))).path("files");
      if (!files.isObject() || files.isEmpty()) {
        throw BangerException.precondition(what + " has a manifest that lists no files");
      }
      for (var entry : files.properties()) {
        Path file = dir.resolve(entry.getKey());
        if (!file.getParent().equals(dir) || !Files.isRegularFile(file)) {
          throw BangerException.precondition(what + " lacks " + entry.getKey());
        }
        long size = entry.getValue().path("size").asLong(-1);
        if (Files.size(file) != size || crc(file) != entry.getValue().path("crc32c").asLong(-1)) {
          throw BangerException.precondition(what + " is corrupted: " + file + " does not match its checksum; " + remedy);
        }
      }
    } catch (IOException e) {
      throw BangerException.precondition(what + " cannot be read: " + e.getMessage());
    }
  }

  /** The files the manifest of {@code dir} describes, with the manifest itself. */
  static List<Path> sealedFiles(Path dir) throws IOException {
    List<Path> files = new java.util.ArrayList<>(list(dir));
    files.add(dir.resolve(MANIFEST));
    return files;
  }

  /** Removes the saved state and any half-written one. Idempotent. */
  void discard() {
    try {
      removeLeftovers();
      StagedDirs.remove(dir());
    } catch (IOException e) {
      throw BangerException.internal("cannot remove the saved state in " + vmDir + ": " + e.getMessage(), e);
    }
  }

  /** Bytes the published state takes. */
  long bytes() throws IOException {
    long total = 0;
    for (Path file : list(dir())) {
      total += Files.size(file);
    }
    return total;
  }

  /**
   * As {@link #discard}, but only the rename to {@code .rm-saved-*} happens now: the ~100 MB are
   * deleted on another thread (a restore's caller does not wait for them). A crash leaves the
   * renamed directory, which is never restored from and which the next prepare or discard removes.
   */
  void discardSoon() {
    Path doomed = dir().resolveSibling(StagedDirs.RM + SAVED + "-" + dev.banger.model.RandomIds.hex(4));
    try {
      Files.move(dir(), doomed, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (java.nio.file.NoSuchFileException gone) {
      return;
    } catch (IOException e) {
      throw BangerException.internal("cannot remove the saved state in " + vmDir + ": " + e.getMessage(), e);
    }
    java.util.concurrent.CompletableFuture<Void> pending = PENDING.merge(vmDir, java.util.concurrent.CompletableFuture.runAsync(() -> {
      try {
        TreeFiles.deleteRecursively(doomed);
      } catch (IOException e) {
        // Left for the next prepare or discard of this VM, which removes .rm-saved-* directories.
      }
    }, FILE_WORK), (a, b) -> java.util.concurrent.CompletableFuture.allOf(a, b));
    // A finished deletion leaves the map (unless a later one was merged in): VMs come and go.
    var unused = pending.whenComplete((v, e) -> PENDING.remove(vmDir, pending));
  }

  /** Deletions {@link #discardSoon} started, per VM directory; waited for before a directory is swept. */
  private static final java.util.concurrent.ConcurrentHashMap<Path, java.util.concurrent.CompletableFuture<Void>> PENDING =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Staged saves ({@code saved.new-*}) and half-deleted ones ({@code .rm-saved-*}) a crash left. */
  private void removeLeftovers() throws IOException {
    java.util.concurrent.CompletableFuture<Void> pending = PENDING.remove(vmDir);
    if (pending != null) {
      pending.join();
    }
    List<Path> left = new ArrayList<>(StagedDirs.leftovers(vmDir, SAVED));
    StagedDirs.leftovers(vmDir, "").stream()
        .filter(p -> p.getFileName().toString().startsWith(StagedDirs.RM + SAVED)).forEach(left::add);
    for (Path p : left) {
      TreeFiles.deleteRecursively(p);
    }
    staged = null;
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> Files.isRegularFile(f) && !f.getFileName().toString().equals(MANIFEST)).sorted().toList();
    }
  }

  private static long crc(Path file) throws IOException {
    CRC32C crc = new CRC32C();
    byte[] buffer = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        crc.update(buffer, 0, n);
      }
    }
    return crc.getValue();
  }
}
