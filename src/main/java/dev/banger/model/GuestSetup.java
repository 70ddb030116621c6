package dev.banger.model;

import java.util.Locale;

/**
 * Where a VM is with its first-boot guest setup (the files banger writes into its root disk
 * before the first boot). Stored and shown in lower case. {@code writing} is recorded before the
 * disk is touched, so a start that finds it knows an earlier write was interrupted.
 */
public enum GuestSetup {
  /** Not done yet: the next start writes the files. */
  PENDING,
  /** A write began and did not finish (crash, failure): the next start checks the disk, then writes again. */
  WRITING,
  /** Written; later starts leave the guest's files alone, so its own edits survive. */
  DONE;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static GuestSetup fromWire(String value) {
    return value == null ? PENDING : valueOf(value.toUpperCase(Locale.ROOT));
  }
}
