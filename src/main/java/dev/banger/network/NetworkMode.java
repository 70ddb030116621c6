package dev.banger.network;

import dev.banger.error.BangerException;
import java.util.Locale;

/** {@code bridge}: a tap on the banger bridge with a leased address. {@code none}: no network. */
public enum NetworkMode {
  BRIDGE,
  NONE;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static NetworkMode fromWire(String value) {
    for (NetworkMode mode : values()) {
      if (mode.wire().equals(value)) {
        return mode;
      }
    }
    throw BangerException.invalid("network mode '" + value + "' is not one of: bridge, none");
  }
}
