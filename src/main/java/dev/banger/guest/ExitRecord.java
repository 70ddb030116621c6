package dev.banger.guest;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * How the process of a container-mode VM ended, as banger's init wrote it into {@code
 * /.banger/exit} just before powering off:
 *
 * <pre>
 * banger-exit 1
 * boot &lt;the boot id from the config&gt;
 * code &lt;exit status, 128+N for a signal&gt;
 * error &lt;one line, only when the process could not be started&gt;
 * </pre>
 *
 * Read back from the VM's disk by the daemon after the VMM is gone. The guest wrote it, so it is
 * parsed strictly and bounded; a record of another boot is not this boot's.
 *
 * @param code the exit status (0-255)
 * @param error why the process could not start, or null when it ran
 */
public record ExitRecord(int code, String error) {
  public static final int MAX_BYTES = 4096;

  /** Parses a record, empty unless it is well formed and names {@code bootId}. */
  public static Optional<ExitRecord> parse(byte[] bytes, String bootId) {
    if (bytes.length > MAX_BYTES) {
      return Optional.empty();
    }
    String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
    if (lines.length < 4 || !lines[0].equals("banger-exit 1") || !lines[1].equals("boot " + bootId)
        || !lines[2].matches("code \\d{1,3}")) {
      return Optional.empty();
    }
    int code = Integer.parseInt(lines[2].substring(5));
    if (code > 255) {
      return Optional.empty();
    }
    String error = null;
    if (lines[3].startsWith("error ")) {
      error = lines[3].substring(6).replaceAll("\\p{Cntrl}", "?");
      if (error.isBlank()) {
        error = "banger's init failed without saying why";
      }
    } else if (!lines[3].isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new ExitRecord(code, error));
  }
}
