package dev.banger.vm;

import dev.banger.model.RandomIds;
import dev.banger.error.BangerException;
import java.util.regex.Pattern;

/**
 * Names derived from a VM id. They are deterministic so that a sweep can recognise banger's
 * resources even with every state file lost (STYLE.md: own every name).
 */
public final class VmNames {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private static final Pattern ID = Pattern.compile("[0-9a-f]{16}");

  private VmNames() {}

  /** A new random id: 16 lower-case hex characters. */
  public static String newId() {
    return RandomIds.hex(8);
  }

  public static void checkId(String id) {
    if (id == null || !ID.matcher(id).matches()) {
      throw new IllegalArgumentException("not a VM id: " + id);
    }
  }

  /** Rejects a name that is not {@code [a-z0-9][a-z0-9-]{0,62}}, saying why. */
  public static void checkName(String name) {
    if (name == null || name.isEmpty()) {
      throw BangerException.invalid("a VM needs a name (--name)");
    }
    if (!NAME.matcher(name).matches()) {
      throw BangerException.invalid("invalid VM name '" + name + "': use 1-63 characters of a-z, 0-9 and '-', starting with a letter or digit");
    }
  }

  /** The tap device: {@code bg} plus the first 8 hex characters of the id (10 bytes, under Linux's 15). */
  public static String tap(String id) {
    checkId(id);
    return "bg" + id.substring(0, 8);
  }

  /** The device-mapper target name. */
  public static String dmName(String id) {
    checkId(id);
    return "banger-" + id;
  }
}
