package dev.banger.kernel;

import dev.banger.model.RandomIds;
import dev.banger.error.BangerException;
import dev.banger.error.Printable;
import java.util.regex.Pattern;

/** Kernel names (chosen by the user) and ids (random; also the kernel's directory name). */
final class KernelNames {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
  static final Pattern ID = Pattern.compile("[0-9a-f]{16}");

  private KernelNames() {}

  static void checkName(String name) {
    if (name == null || name.isEmpty()) {
      throw BangerException.invalid("a kernel needs a name (--name)");
    }
    if (!NAME.matcher(name).matches()) {
      throw BangerException.invalid("invalid kernel name '" + Printable.excerpt(name, 80) + "': use 1-63 characters of a-z, 0-9,"
          + " '.', '_' and '-', starting with a letter or digit");
    }
  }

  static String newId() {
    return RandomIds.hex(8);
  }
}
