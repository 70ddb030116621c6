package dev.banger.volume;

import dev.banger.error.BangerException;
import dev.banger.host.CommandRunner;
import dev.banger.host.PrivateFiles;
import dev.banger.image.ext4.Ext4;
import dev.banger.model.RandomIds;
import dev.banger.store.VmRepository;
import dev.banger.store.VmRepository.VmRow;
import dev.banger.store.VolumeRecord;
import dev.banger.store.VolumeRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Volumes: ext4 images in the state directory's {@code volumes/}, made with {@code mke2fs},
 * labelled with their name (so an image-mode guest finds them as {@code /dev/disk/by-label/NAME}),
 * published by rename before their row is written. A crash can leave a file without a row,
 * never a row without a file; {@link #sweep} removes such files when the daemon starts.
 */
public final class VolumeService {
  public static final long MIN_BYTES = 16L << 20;
  private static final String STAGING_PREFIX = ".new-";

  private final VolumeRepository repo;
  private final VmRepository vms;
  private final CommandRunner runner;
  private final Path dir;

  /** @param dir where volume files live: the state directory's {@code volumes/} */
  public VolumeService(VolumeRepository repo, VmRepository vms, CommandRunner runner, Path dir) {
    this.repo = repo;
    this.vms = vms;
    this.runner = runner;
    this.dir = dir;
  }

  /** Makes an empty ext4 volume of {@code sizeBytes}; refused when it would not fit the free space. */
  public synchronized VolumeView create(String name, long sizeBytes) {
    if (name == null || !dev.banger.model.VolumeMount.NAME.matcher(name).matches()) {
      throw BangerException.invalid("volume name '" + name + "' must be 1-16 of letters, digits, '_', '.', '-'"
          + " starting with a letter or digit (it is the ext4 label the guest finds it by)");
    }
    if (sizeBytes < MIN_BYTES) {
      throw BangerException.invalid("--size " + sizeBytes + " bytes is too small for a volume; at least " + (MIN_BYTES >> 20) + " MiB");
    }
    if (repo.findByName(name).isPresent()) {
      throw BangerException.alreadyExists("a volume named '" + name + "' already exists");
    }
    String id = RandomIds.hex(8);
    Path staged = null;
    try {
      PrivateFiles.directories(dir);
      long free = Files.getFileStore(dir).getUsableSpace();
      if (sizeBytes > free) {
        throw BangerException.precondition("a " + sizeBytes + "-byte volume does not fit: " + dir + " has " + free
            + " bytes free");
      }
      staged = dir.resolve(STAGING_PREFIX + id + ".img");
      Ext4.mkfs(runner, staged, sizeBytes, 0, null, name);
      Path file = dir.resolve(id + ".img");
      Files.move(staged, file, StandardCopyOption.ATOMIC_MOVE);
      staged = null;
      VolumeRecord record = new VolumeRecord(id, name, file.toString(), sizeBytes, Instant.now());
      repo.insert(record);
      return VolumeView.of(record, List.of(), List.of());
    } catch (IOException e) {
      throw BangerException.internal("cannot make volume '" + name + "' in " + dir + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(staged);
    }
  }

  public List<VolumeView> list() {
    List<VmRow> rows = vms.list();
    Map<String, String> names = rows.stream().collect(Collectors.toMap(r -> r.runtime().id(), r -> r.runtime().name()));
    List<VolumeRepository.Holder> holders = repo.holders();
    List<VolumeView> out = new ArrayList<>();
    for (VolumeRecord r : repo.list()) {
      List<String> usedBy = rows.stream()
          .filter(row -> row.spec().volumes().stream().anyMatch(v -> !v.fromHostFile() && v.source().equals(r.name())))
          .map(row -> row.runtime().name()).sorted().toList();
      List<String> attached = holders.stream().filter(h -> h.key().equals(r.id()))
          .map(h -> names.getOrDefault(h.vmId(), h.vmId())).sorted().toList();
      out.add(VolumeView.of(r, usedBy, attached));
    }
    return out;
  }

  public VolumeView get(String name) {
    return list().stream().filter(v -> v.name().equals(name) || v.id().equals(name)).findFirst()
        .orElseThrow(() -> BangerException.notFound("no volume named '" + name + "'; `banger volume ls` lists them"));
  }

  /** Removes a volume no VM refers to: its row first, then its file (a crash between leaves a file {@link #sweep} finds). */
  public synchronized void remove(String name) {
    VolumeView volume = get(name);
    if (!volume.usedBy().isEmpty()) {
      throw BangerException.precondition("volume '" + volume.name() + "' is used by VM" + (volume.usedBy().size() > 1 ? "s " : " ")
          + String.join(", ", volume.usedBy()) + "; remove " + (volume.usedBy().size() > 1 ? "them" : "it") + " first (`banger rm`)");
    }
    repo.delete(volume.id());
    try {
      Files.deleteIfExists(Path.of(volume.path()));
    } catch (IOException e) {
      throw BangerException.internal("volume '" + volume.name() + "' is gone but its file " + volume.path()
          + " could not be removed (" + e.getMessage() + "); the daemon's next start removes it", e);
    }
  }

  /** Removes half-made files and files whose row is gone (a crash mid-create or mid-remove). */
  public List<Path> sweep() {
    List<Path> removed = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return removed;
    }
    Set<String> known = repo.list().stream().map(VolumeRecord::path).collect(Collectors.toSet());
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        String n = f.getFileName().toString();
        if (n.endsWith(".img") && !known.contains(f.toString()) && Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.deleteIfExists(f);
          removed.add(f);
        }
      }
    } catch (IOException e) {
      throw BangerException.internal("cannot sweep " + dir + ": " + e.getMessage(), e);
    }
    return removed;
  }

  /** The record of a volume a VM names, for {@link VolumeMounts}. */
  java.util.Optional<VolumeRecord> record(String name) {
    return repo.findByName(name);
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // left for the sweep
      }
    }
  }
}
