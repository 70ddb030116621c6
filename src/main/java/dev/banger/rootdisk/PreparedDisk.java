package dev.banger.rootdisk;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A disk ready to boot.
 *
 * @param strategy how it was made; record it on the VM so teardown uses the same strategy
 * @param device what the VMM opens: /dev/mapper/banger-&lt;id&gt; or the per-VM file
 * @param sizeBytes the size the guest sees
 */
public record PreparedDisk(RootDiskStrategy strategy, Path device, long sizeBytes) {
  public PreparedDisk {
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(device, "device");
  }
}
