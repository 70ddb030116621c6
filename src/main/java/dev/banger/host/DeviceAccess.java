package dev.banger.host;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Whether a character device such as /dev/kvm is there and opens read-write for this process. */
public enum DeviceAccess {
  /** Nothing at that path, or something that is not a character device. */
  ABSENT,
  /** A character device that this process may not open (permissions, a container's device policy). */
  DENIED,
  OPENS;

  private static final int TYPE_MASK = 0170000;
  private static final int CHAR_DEVICE = 0020000;

  /**
   * Opens {@code device} read-write and closes it again. Existing is not enough: a container may
   * list a device without granting it, or the user may lack the kvm group. Opened without CREATE,
   * so a missing device is never made into a plain file.
   */
  public static DeviceAccess of(Path device) {
    try {
      if (!Files.exists(device)) {
        return ABSENT;
      }
      int mode = (Integer) Files.getAttribute(device, "unix:mode");
      if ((mode & TYPE_MASK) != CHAR_DEVICE) {
        return ABSENT;
      }
      FileChannel.open(device, StandardOpenOption.READ, StandardOpenOption.WRITE).close();
      return OPENS;
    } catch (IOException | SecurityException | UnsupportedOperationException e) {
      return DENIED;
    }
  }
}
