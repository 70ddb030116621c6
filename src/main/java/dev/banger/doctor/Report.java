package dev.banger.doctor;

import java.util.List;

/**
 * The doctor's findings.
 *
 * @param checks every check in order
 * @param usableVmms the VMMs that can run VMs on this host, e.g. {@code qemu (software emulation)}
 */
public record Report(List<Check> checks, List<String> usableVmms) {
  public Report {
    checks = List.copyOf(checks);
    usableVmms = List.copyOf(usableVmms);
  }

  /** The host can run VMs when at least one VMM is usable. */
  public boolean canRunVms() {
    return !usableVmms.isEmpty();
  }
}
