package dev.banger.vmm.qemu;

import dev.banger.vmm.BootArgs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * The guest kernel command line under QEMU: banger's base arguments, the clock arguments software
 * emulation needs, the network's {@code ip=} argument, then the user's arguments (last, so they
 * can override). The driver appends {@code root=/dev/vda rw|ro} itself, as Firecracker does.
 */
public final class QemuBootArgs {
  /**
   * Serial console on ttyS0; {@code reboot=t} (triple fault) and {@code panic=-1} (reboot at once
   * on panic) make a guest reboot or panic end QEMU, which runs with {@code -no-reboot}.
   */
  public static final String BASE = "console=ttyS0 reboot=t panic=-1";

  /**
   * Under software emulation the guest's TSC calibration against the PIT fails on a slow or busy
   * host and boot stalls for minutes: trust the TSC and skip the timer check.
   */
  public static final String SOFTWARE_CLOCK = "tsc=reliable no_timer_check";

  private QemuBootArgs() {}

  /** The command line for this host: with software emulation, its TSC rate from /proc/cpuinfo. */
  public static String of(String networkArg, String userArgs, boolean softwareEmulation) {
    return of(networkArg, userArgs, softwareEmulation,
        softwareEmulation ? hostTscKhz(Path.of("/proc/cpuinfo")) : OptionalLong.empty());
  }

  /**
   * The command line, pure.
   *
   * @param tscKhz with software emulation, the host's TSC rate: {@code tsc_early_khz} skips the
   *     early calibration, which also stalls on a busy host; empty to leave it out
   */
  public static String of(String networkArg, String userArgs, boolean softwareEmulation, OptionalLong tscKhz) {
    String base = BASE;
    if (softwareEmulation) {
      base += " " + SOFTWARE_CLOCK;
      if (tscKhz.isPresent()) {
        base += " tsc_early_khz=" + tscKhz.getAsLong();
      }
    }
    return BootArgs.join(base, networkArg, userArgs);
  }

  /** The first "cpu MHz" line of a /proc/cpuinfo file, in kHz; empty when absent or unreadable. */
  static OptionalLong hostTscKhz(Path cpuinfo) {
    try {
      return tscKhz(Files.readAllLines(cpuinfo, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return OptionalLong.empty();
    }
  }

  static OptionalLong tscKhz(List<String> cpuinfoLines) {
    for (String line : cpuinfoLines) {
      int colon = line.indexOf(':');
      if (line.startsWith("cpu MHz") && colon > 0) {
        try {
          long khz = Math.round(Double.parseDouble(line.substring(colon + 1).strip()) * 1000);
          return khz > 0 ? OptionalLong.of(khz) : OptionalLong.empty();
        } catch (NumberFormatException e) {
          return OptionalLong.empty();
        }
      }
    }
    return OptionalLong.empty();
  }
}
