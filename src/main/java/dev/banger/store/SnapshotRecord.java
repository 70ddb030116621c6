package dev.banger.store;

import dev.banger.model.VmSpec;
import java.time.Instant;
import java.util.Objects;

/**
 * A row of the snapshots table (issue 16): a VM's paused moment kept as a template for clones.
 *
 * @param id a random id, also the name of its directory under {@code snapshots/}
 * @param name the user's name for it
 * @param sourceVm the name of the VM it was taken from (that VM may be gone since)
 * @param spec the source VM's spec: what a clone of it is, but for its name
 * @param imageId the image the source VM's disk is over (a dm COW file needs it)
 * @param kernelId the kernel the saved guest runs
 * @param rootdiskStrategy how the disk in the directory is to be used ({@code dm}: a COW file over the image; {@code copy}: the whole disk)
 * @param accel the accelerator the guest was booted with; a clone must run under the same one
 * @param dir its directory: the saved state, its manifest and {@code disk/}
 * @param sizeBytes bytes its files take
 * @param startedAt when the source VM booted (a clone's uptime carries on from it), or null
 * @param createdAt when it was taken
 */
public record SnapshotRecord(String id, String name, String sourceVm, VmSpec spec, String imageId, String kernelId,
    String rootdiskStrategy, String accel, String dir, long sizeBytes, Instant startedAt, Instant createdAt) {
  public SnapshotRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sourceVm, "sourceVm");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(imageId, "imageId");
    Objects.requireNonNull(kernelId, "kernelId");
    Objects.requireNonNull(rootdiskStrategy, "rootdiskStrategy");
    Objects.requireNonNull(accel, "accel");
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
