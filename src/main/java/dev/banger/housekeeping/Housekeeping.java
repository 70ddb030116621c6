package dev.banger.housekeeping;

import dev.banger.error.BangerException;
import dev.banger.host.DiskUsage;
import dev.banger.image.ImageService;
import dev.banger.kernel.KernelService;
import dev.banger.model.ImageRecord;
import dev.banger.model.VmState;
import dev.banger.store.KernelRecord;
import dev.banger.store.VmRepository.VmRow;
import dev.banger.store.SnapshotRecord;
import dev.banger.vm.Snapshots;
import dev.banger.vm.VmService;
import dev.banger.volume.VolumeService;
import dev.banger.volume.VolumeView;
import java.nio.file.Path;
import dev.banger.image.source.BlobCache;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code banger system df} and {@code banger system prune}: the space each kind of thing takes in
 * the state directory, and removing what nothing uses. In use means: an image or kernel a VM (in
 * any state) was created from, the default kernel, a VM that is starting, running or stopping, a
 * volume a VM names. Prune never removes anything in use, and goes through the same removals as
 * {@code image rm}, {@code kernel rm} and {@code rm}, which check again under their own locks.
 */
public final class Housekeeping {
  /** One thing that takes space. */
  public record Item(String kind, String name, long bytes, boolean inUse, String usedBy) {}

  /** One line of the summary: a kind, how many, how many in use, their bytes and what prune could free. */
  public record Usage(String kind, int total, int inUse, long bytes, long reclaimableBytes) {}

  /** What df answers. */
  public record Report(List<Usage> usage, List<Item> items) {}

  /** What prune removed, the bytes it freed, and what it could not remove (with why). */
  public record Pruned(List<String> vms, List<String> images, List<String> kernels, long reclaimedBytes, List<String> failures) {}

  private static final Set<VmState> ACTIVE = Set.of(VmState.STARTING, VmState.RUNNING, VmState.STOPPING);

  private final VmService vms;
  private final ImageService images;
  private final KernelService kernels;
  private final VolumeService volumes;
  private final Snapshots snapshots;
  private final DiskUsage disk;

  public Housekeeping(VmService vms, ImageService images, KernelService kernels, VolumeService volumes,
      Snapshots snapshots, DiskUsage disk) {
    this.snapshots = snapshots;
    this.vms = vms;
    this.images = images;
    this.kernels = kernels;
    this.volumes = volumes;
    this.disk = disk;
  }

  public Report df() {
    List<Item> items = items(vms.list());
    List<Usage> usage = new ArrayList<>();
    for (String kind : List.of("images", "kernels", "vms", "volumes", "snapshots")) {
      List<Item> of = items.stream().filter(i -> i.kind().equals(kind)).toList();
      long bytes = of.stream().mapToLong(Item::bytes).sum();
      long free = of.stream().filter(i -> !i.inUse()).mapToLong(Item::bytes).sum();
      // Volumes and snapshots are never pruned: data that outlives VMs is removed only by name (`volume rm`, `snapshot rm`).
      boolean kept = kind.equals("volumes") || kind.equals("snapshots");
      usage.add(new Usage(kind, of.size(), (int) of.stream().filter(Item::inUse).count(), bytes, kept ? 0 : free));
    }
    // Pulled layers kept for later pulls: no VM uses them, so prune may free them all.
    BlobCache.Usage blobs = blobUsage();
    usage.add(new Usage("blobs", blobs.blobs(), 0, blobs.bytes(), blobs.bytes()));
    return new Report(usage, items);
  }

  private List<Item> items(List<VmRow> rows) {
    List<Item> items = new ArrayList<>();
    Set<String> counted = new HashSet<>();
    List<SnapshotRecord> snaps = snapshots.list();
    for (ImageRecord image : images.list()) {
      // A snapshot's clones need its image (a dm clone's disk is over it) and its kernel.
      List<String> users = Stream.concat(rows.stream().filter(r -> r.imageId().equals(image.id())).map(r -> r.runtime().name()),
          snaps.stream().filter(s -> s.imageId().equals(image.id())).map(s -> "snapshot " + s.name())).toList();
      // Images of the same content share one file: its bytes are counted once.
      long bytes = counted.add(image.rootfsPath()) ? disk.allocated(Path.of(image.rootfsPath())) : 0;
      items.add(new Item("images", image.name(), bytes, !users.isEmpty(), String.join(",", users)));
    }
    for (KernelRecord kernel : kernels.list()) {
      List<String> users = new ArrayList<>(Stream.concat(rows.stream().filter(r -> r.kernelId().equals(kernel.id())).map(r -> r.runtime().name()),
          snaps.stream().filter(s -> s.kernelId().equals(kernel.id())).map(s -> "snapshot " + s.name())).toList());
      if (kernel.isDefault()) {
        users.add("(default kernel)");
      }
      long bytes = Stream.of(kernel.vmlinuxPath(), kernel.bzImagePath(), kernel.initrdPath()).filter(p -> p != null)
          .mapToLong(p -> disk.allocated(Path.of(p))).sum();
      items.add(new Item("kernels", kernel.name(), bytes, !users.isEmpty(), String.join(",", users)));
    }
    for (VmRow row : rows) {
      boolean active = ACTIVE.contains(row.runtime().state());
      items.add(new Item("vms", row.runtime().name(), disk.allocated(Path.of(row.runtime().vmDir())), active,
          active ? row.runtime().state().wire() : ""));
    }
    for (SnapshotRecord snap : snaps) {
      items.add(new Item("snapshots", snap.name(), disk.allocated(Path.of(snap.dir())), true, "(kept until snapshot rm)"));
    }
    for (VolumeView volume : volumes.list()) {
      items.add(new Item("volumes", volume.name(), disk.allocated(Path.of(volume.path())), !volume.usedBy().isEmpty(),
          String.join(",", volume.usedBy())));
    }
    return items;
  }

  /**
   * Removes stopped VMs (with {@code withVms}; first, so what they used can go too), then images
   * and kernels nothing uses. One that cannot be removed (a VM started meanwhile) is reported, and
   * the rest still go.
   */
  public Pruned prune(boolean withVms) {
    List<String> failures = new ArrayList<>();
    List<String> removedVms = new ArrayList<>();
    long freed = 0;
    if (withVms) {
      for (Item vm : items(vms.list())) {
        if (vm.kind().equals("vms") && !vm.inUse()) {
          try {
            vms.delete(vm.name(), false);
            removedVms.add(vm.name());
            freed += vm.bytes();
          } catch (BangerException e) {
            failures.add("VM " + vm.name() + ": " + e.getMessage());
          }
        }
      }
    }
    List<String> removedImages = new ArrayList<>();
    List<String> removedKernels = new ArrayList<>();
    for (Item item : items(vms.list())) {
      if (item.inUse() || !(item.kind().equals("images") || item.kind().equals("kernels"))) {
        continue;
      }
      try {
        if (item.kind().equals("images")) {
          images.remove(item.name());
          removedImages.add(item.name());
        } else {
          kernels.remove(item.name());
          removedKernels.add(item.name());
        }
        freed += item.bytes();
      } catch (BangerException e) {
        failures.add(item.kind().substring(0, item.kind().length() - 1) + " " + item.name() + ": " + e.getMessage());
      }
    }
    try {
      freed += images.blobs().prune(java.time.Instant.now());
    } catch (IOException e) {
      failures.add("blob cache " + images.blobs() + ": " + e.getMessage());
    }
    return new Pruned(removedVms, removedImages, removedKernels, freed, failures);
  }

  private BlobCache.Usage blobUsage() {
    try {
      return images.blobs().usage();
    } catch (IOException e) {
      return new BlobCache.Usage(0, 0); // an unreadable cache frees nothing either; prune names the error

    }
  }
}
