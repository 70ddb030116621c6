package dev.banger.image.model;

import dev.banger.error.BangerException;
import java.util.ArrayList;
import java.util.List;

/**
 * The name rules every path entering an image obeys. Applied while flattening and again by
 * {@code ApplyOwnership}, which must be safe on its own: a name that passes here contains no
 * {@code ..} component, is relative to the image root once a leading {@code ./} is removed, and
 * holds no character debugfs (or a log line) cannot carry safely: double quote, NUL, newline,
 * carriage return or any other control character.
 */
public final class NameSafety {
  /** ext4's limit on one name component, in bytes. */
  public static final int MAX_COMPONENT_BYTES = 255;
  /**
   * Linux's PATH_MAX less its NUL: the longest absolute path ({@code /etc/passwd}) a guest can
   * open, so the longest an image may hold. Also keeps every walk over the tree shallow.
   */
  public static final int MAX_PATH_BYTES = 4095;
  /** The deepest a name may be; far beyond real images, far below what any walk can handle. */
  public static final int MAX_DEPTH = 1024;

  private NameSafety() {}

  /**
   * Normalises an archive entry name to the components of a path relative to the image root
   * (empty for the root itself). {@code ./} prefixes, {@code .} components, repeated and trailing
   * slashes are dropped; anything unsafe is rejected with an error naming the entry.
   */
  public static List<String> components(String raw, String context) {
    checkCharacters(raw, context);
    if (raw.startsWith("/")) {
      throw unsafe(context, raw, "is an absolute path");
    }
    List<String> parts = new ArrayList<>();
    long absoluteBytes = 0;
    for (String part : raw.split("/", -1)) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        throw unsafe(context, raw, "contains a `..` component that could escape the image");
      }
      int bytes = part.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      if (bytes > MAX_COMPONENT_BYTES) {
        throw unsafe(context, raw, "has a name component longer than " + MAX_COMPONENT_BYTES + " bytes");
      }
      absoluteBytes += 1 + bytes;
      if (absoluteBytes > MAX_PATH_BYTES) {
        throw unsafe(context, raw, "is longer than " + MAX_PATH_BYTES + " bytes as a path in the image (Linux's limit)");
      }
      if (parts.size() == MAX_DEPTH) {
        throw unsafe(context, raw, "is nested deeper than " + MAX_DEPTH + " directories");
      }
      parts.add(part);
    }
    return parts;
  }

  /** Components of an absolute image path such as {@code /etc/passwd}, as ApplyOwnership takes. */
  public static List<String> absoluteComponents(String path, String context) {
    checkCharacters(path, context);
    if (!path.startsWith("/")) {
      throw unsafe(context, path, "is not an absolute path inside the image");
    }
    return components(path.substring(1), context);
  }

  /** Rejects characters that debugfs cannot quote or that would forge lines in its output. */
  public static void checkCharacters(String name, String context) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '"') {
        throw unsafe(context, name, "contains a double quote, which debugfs cannot encode");
      }
      if (c == '\n' || c == '\r') {
        throw unsafe(context, name, "contains a newline or carriage return");
      }
      if (c == 0) {
        throw unsafe(context, name, "contains a NUL character");
      }
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
        throw unsafe(context, name, "contains the control character U+" + String.format("%04X", (int) c));
      }
      if (c == '\uFFFD') {
        throw unsafe(context, name, "is not valid UTF-8");
      }
    }
  }

  /** Renders a hostile name printable: control characters become escapes. */
  public static String quote(String name) {
    return dev.banger.error.Printable.quote(name);
  }

  /** A hostile name may be kilobytes long: messages carry its start only. */
  public static BangerException unsafe(String context, String name, String why) {
    return BangerException.invalid(context + ": entry " + dev.banger.error.Printable.quote(name, 300) + " " + why);
  }
}
