package dev.banger.vmm.accel;

import dev.banger.error.BangerException;
import java.util.Locale;

/** The daemon's {@code --accel} setting. */
public enum AccelMode {
  /** Follow the probe: KVM where a probe guest ran under it, software emulation otherwise. */
  AUTO,
  /** Trust KVM without probing: QEMU uses it, Firecracker is allowed. */
  KVM,
  /** Never touch /dev/kvm: QEMU emulates, Firecracker is refused. */
  TCG;

  public static AccelMode parse(String value) {
    String v = value == null ? "auto" : value.strip().toLowerCase(Locale.ROOT);
    return switch (v) {
      case "auto", "" -> AUTO;
      case "kvm" -> KVM;
      case "tcg" -> TCG;
      default -> throw BangerException.invalid("--accel must be auto, kvm or tcg, got '" + value + "'");
    };
  }

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
