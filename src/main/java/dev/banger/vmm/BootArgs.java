package dev.banger.vmm;

import dev.banger.error.BangerException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the guest kernel command line: banger's base arguments, then the network's {@code ip=}
 * argument, then the user's {@code --kernel-args} last, so that the user can override a base
 * argument (for most parameters the kernel honours the last occurrence).
 */
public final class BootArgs {
  /** Serial console on ttyS0; {@code reboot=k} makes a guest reboot end the VMM (exit 0). */
  public static final String FIRECRACKER_BASE = "console=ttyS0 reboot=k panic=1";

  /**
   * x86 COMMAND_LINE_SIZE is 2048 bytes. Firecracker appends {@code pci=off}, {@code root=…} and
   * one {@code virtio_mmio.device=…} per device, so leave room for them.
   */
  public static final int MAX_BYTES = 2048 - 256;

  /**
   * The most a user's {@code --kernel-args} may take: the line's room less what banger adds at
   * start (base and clock arguments, the {@code ip=} argument with the VM's name), so arguments
   * accepted at create always fit at start.
   */
  public static final int MAX_USER_BYTES = MAX_BYTES - 256;

  private BootArgs() {}

  /**
   * Checks a user's extra kernel arguments as create does, so a spec never fails only at start.
   *
   * @throws BangerException (invalid argument) on control characters (a newline would end the
   *     line the VMM writes) or more than {@link #MAX_USER_BYTES}
   */
  public static void checkUserArgs(String userArgs) {
    if (userArgs == null) {
      return;
    }
    checkPrintable(userArgs);
    int bytes = userArgs.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_USER_BYTES) {
      throw BangerException.invalid("--kernel-args is " + bytes + " bytes; at most " + MAX_USER_BYTES
          + " fit beside the arguments banger adds (the kernel's line holds 2048)");
    }
  }

  /** The Firecracker command line for a guest with the given network argument and user args. */
  public static String firecracker(String networkArg, String userArgs) {
    return join(FIRECRACKER_BASE, networkArg, userArgs);
  }

  /**
   * Joins the parts with single spaces, skipping blank ones.
   *
   * @param base the VMM's base arguments
   * @param networkArg e.g. {@code ip=172.16.0.2::172.16.0.1:255.255.255.252::eth0:off}, or
   *     null/blank for no network
   * @param userArgs the user's extra arguments, or null/blank
   * @throws BangerException (invalid argument) on control characters or an over-long line
   */
  public static String join(String base, String networkArg, String userArgs) {
    List<String> words = new ArrayList<>();
    for (String part : new String[] {base, networkArg, userArgs}) {
      if (part == null) {
        continue;
      }
      checkPrintable(part);
      for (String word : part.trim().split("[ \t]+")) {
        if (!word.isEmpty()) {
          words.add(word);
        }
      }
    }
    String line = String.join(" ", words);
    int bytes = line.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_BYTES) {
      throw BangerException.invalid(
          "the kernel command line would be " + bytes + " bytes; at most " + MAX_BYTES
              + " fit (the kernel allows 2048 and the VMM appends its own): shorten --kernel-args");
    }
    return line;
  }

  private static void checkPrintable(String part) {
    for (int i = 0; i < part.length(); i++) {
      char c = part.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        throw BangerException.invalid(
            "kernel arguments must not contain control characters (found 0x"
                + Integer.toHexString(c) + " at offset " + i + ")");
      }
    }
  }
}
