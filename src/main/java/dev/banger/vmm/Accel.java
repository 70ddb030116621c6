package dev.banger.vmm;

import java.util.Locale;

/** How a guest's vCPUs run: on the host's hardware virtualisation, or in QEMU's software emulation. */
public enum Accel {
  KVM,
  /** QEMU's Tiny Code Generator: slow, but runs on any Linux machine. */
  TCG;

  /** As stored and shown: {@code kvm} or {@code tcg}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
