package dev.banger.kernel;

import dev.banger.error.BangerException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The initrd of the acceleration probe: busybox and an {@code /init} that prints a marker and
 * powers off at once. Busybox, because banger's kernel initrds already need Debian's static one,
 * so the probe adds no tool to the host; the script is the whole guest.
 */
public final class ProbeInitrd {
  private ProbeInitrd() {}

  /** The initrd's bytes (gzip'd cpio); {@code marker} is printed on the console by /init. */
  public static byte[] build(Path busybox, String marker) {
    if (marker.contains("\"") || marker.contains("\\") || marker.contains("$") || marker.contains("\n")) {
      throw new IllegalArgumentException("the probe marker must be plain text: " + marker);
    }
    String script = "#!/bin/busybox sh\n"
        + "/bin/busybox echo \"" + marker + "\"\n"
        + "/bin/busybox poweroff -f\n";
    try {
      return InitrdBuilder.buildWithScript(busybox, script);
    } catch (IOException e) {
      throw BangerException.internal("Tried to build the acceleration probe's initrd with " + busybox + " but failed: " + e, e);
    }
  }
}
