package dev.banger.image;

import dev.banger.error.BangerException;
import java.util.Locale;

/** Config {@code image.builder}: auto picks mount where this process can loop-mount. */
public enum BuilderChoice {
  AUTO,
  MOUNT,
  OFFLINE;

  public static BuilderChoice parse(String text) {
    try {
      return valueOf(text.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw BangerException.invalid("unknown image builder " + text + "; use auto, mount or offline");
    }
  }
}
