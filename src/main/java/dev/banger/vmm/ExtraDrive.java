package dev.banger.vmm;

import dev.banger.error.BangerException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A block device after the root disk (a volume): the guest sees the root as vda and these, in
 * order, as vdb, vdc and on.
 *
 * @param file the image file the VMM opens
 * @param readOnly whether the guest sees it read-only
 * @param id the device's id (letters, digits, underscore), also its serial where the VMM has one
 *     (QEMU), so the guest can find it by {@code /sys/block/vd?/serial}
 */
public record ExtraDrive(Path file, boolean readOnly, String id) {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_]{1,20}");

  public ExtraDrive {
    Objects.requireNonNull(file, "file");
    if (id == null || !ID.matcher(id).matches()) {
      throw BangerException.invalid("drive id '" + id + "' must be 1-20 letters, digits or underscores");
    }
  }
}
