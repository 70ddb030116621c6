package dev.banger.network;

import dev.banger.error.BangerException;
import java.util.Locale;

/**
 * Whether guests may reach each other ({@code --vm-to-vm}): {@code deny} (the default) drops
 * every frame one VM's tap sends towards another VM and every packet routed from the bridge back
 * onto it; {@code allow} lets them talk, still each from its own address only.
 */
public enum VmToVm {
  ALLOW,
  DENY;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code allow} or {@code deny}; null means the default, {@code deny}. */
  public static VmToVm fromWire(String value) {
    if (value == null) {
      return DENY;
    }
    for (VmToVm choice : values()) {
      if (choice.wire().equals(value.strip().toLowerCase(Locale.ROOT))) {
        return choice;
      }
    }
    throw BangerException.invalid("--vm-to-vm must be allow or deny, got '" + value + "'");
  }
}
