package dev.banger.model;

import java.util.Locale;

/** Where a VM is in its life. Stored and shown in lower case. */
public enum VmState {
  CREATED,
  STARTING,
  RUNNING,
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
    return this == STARTING || this == RUNNING || this == STOPPING || this == ERROR;
  }
}
