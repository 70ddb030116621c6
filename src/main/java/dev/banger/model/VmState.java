package dev.banger.model;

import java.util.Locale;

/** Where a VM is in its life. Stored and shown in lower case. */
public enum VmState {
  CREATED,
  STARTING,
  RUNNING,
  /** The guest's vCPUs are frozen; its VMM, memory, tap and disk are kept ({@code banger pause}). */
  PAUSED,
  /** Its memory and device state are being saved ({@code banger suspend}). */
  SUSPENDING,
  /** Its state is saved in its directory and its VMM has ended; it holds no tap or disk. Start restores it. */
  SUSPENDED,
  /** A start is restoring its saved state. */
  RESTORING,
  STOPPING,
  STOPPED,
  /** A container-mode VM whose process exited (runtime.exitCode says how). */
  EXITED,
  ERROR;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static VmState fromWire(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }

  /** States in which the VM may own host resources, so reconcile must look at it. */
  public boolean mayOwnResources() {
    return this == STARTING || this == RUNNING || this == PAUSED || this == SUSPENDING || this == RESTORING
        || this == STOPPING || this == ERROR;
  }
}
