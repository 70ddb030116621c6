package dev.banger.vmm;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.time.Duration;
import java.util.Optional;

/**
 * The errors every VMM driver raises while it reaches its VMM's socket, worded alike and each
 * with the tail of the VM's console (STYLE.md 8: a failed boot explains itself).
 */
public final class VmmErrors {
  private VmmErrors() {}

  /**
   * The VMM died (how it ended) or nothing answers on its socket.
   *
   * @param vmmName how the reason names the VMM ("QEMU", "the VMM")
   */
  public static BangerException diedOrUnreachable(VmmProcess vmm, String vmmName, String tried, Exception cause) {
    Optional<VmmExit> exit = vmm.isAlive() ? Optional.empty() : vmm.awaitExit(Duration.ofSeconds(1));
    String why = exit.map(e -> vmmName + " " + e.describe()).orElse("nothing answers on the socket");
    return new BangerException(
        ErrorKind.FAILED_PRECONDITION, tried + " for VM " + vmm.spec().vmId() + " but " + why + tail(vmm), cause);
  }

  /** {@code "; last console output:\n…"} with the console's last 15 lines, or empty. */
  public static String tail(VmmProcess vmm) {
    String console = vmm.console().tail(15);
    return console.isEmpty() ? "" : "; last console output:\n" + console;
  }

  /** Sleeps between polls of a socket; an interrupt is UNAVAILABLE, "interrupted while waiting for {@code what}". */
  public static void sleep(long millis, String what) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BangerException(ErrorKind.UNAVAILABLE, "interrupted while waiting for " + what, e);
    }
  }
}
