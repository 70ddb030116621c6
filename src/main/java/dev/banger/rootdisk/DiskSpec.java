package dev.banger.rootdisk;

import dev.banger.error.BangerException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One VM's root disk.
 *
 * @param vmId the VM id; names the device-mapper targets ({@code banger-<id>})
 * @param image the image's ext4 file, never written
 * @param disk the per-VM file: the COW store (dm) or the VM's own copy (copy). It must lie under
 *     the daemon's state directory, which is how the sweep recognises its loop devices
 * @param sizeBytes the disk size the guest sees; 0 means the image's size
 */
public record DiskSpec(String vmId, Path image, Path disk, long sizeBytes) {
  private static final Pattern ID = Pattern.compile("[0-9A-Za-z_-]{8,64}");

  public DiskSpec {
    if (vmId == null || !ID.matcher(vmId).matches()) {
      throw BangerException.invalid(
          "VM id '" + vmId + "' cannot name a device-mapper target: use 8-64 letters, digits, '_' or '-'");
    }
    image = Objects.requireNonNull(image, "image").toAbsolutePath().normalize();
    disk = Objects.requireNonNull(disk, "disk").toAbsolutePath().normalize();
    if (sizeBytes < 0) {
      throw BangerException.invalid("disk size " + sizeBytes + " is negative");
    }
    if (image.equals(disk)) {
      throw BangerException.invalid("the VM's disk file must not be the image itself: " + image);
    }
  }
}
