package dev.banger.error;

/**
 * Text from outside banger (a guest's console tail or lastError, an image, a registry) made safe
 * to print: control characters become visible escapes, so hostile text cannot forge lines, move
 * the cursor, recolour, retitle or rewrite what the user sees (ESC, CR, BS, the C1 controls), nor
 * hide text behind bidirectional overrides. {@link #escape} keeps newlines and tabs (a console
 * tail reads as lines); {@link #quote} and {@link #excerpt} make one line of it.
 */
public final class Printable {
  /** How much of a remote error body a message repeats. */
  public static final int EXCERPT_CHARS = 200;

  private Printable() {}

  /** Multi-line text (a console tail): newlines and tabs kept, CRLF read as one line end, every other control escaped. */
  public static String escape(String text) {
    if (text == null) {
      return null;
    }
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
        continue;
      }
      if (c == '\n' || c == '\t') {
        out.append(c);
      } else {
        appendEscaped(out, c);
      }
    }
    return out.toString();
  }

  /** {@code text} in double quotes, with control characters, quotes and backslashes escaped. */
  public static String quote(String text) {
    return quote(text, Integer.MAX_VALUE);
  }

  /** Like {@link #quote(String)}, cut after {@code maxChars} characters with a note of the full length. */
  public static String quote(String text, int maxChars) {
    String quoted = "\"" + oneLine(text, maxChars);
    return text.length() > maxChars ? quoted + "…\" (" + text.length() + " characters)" : quoted + "\"";
  }

  /**
   * At most {@code maxChars} characters of {@code text}, control characters escaped, with an
   * ellipsis and the full length when it was cut; for remote bodies shown in an error.
   */
  public static String excerpt(String text, int maxChars) {
    String stripped = text.strip();
    String escaped = oneLine(stripped, maxChars);
    return stripped.length() > maxChars ? escaped + "… (" + stripped.length() + " characters)" : escaped;
  }

  private static String oneLine(String text, int maxChars) {
    StringBuilder out = new StringBuilder();
    int n = Math.min(text.length(), maxChars);
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      switch (c) {
        case '\n' -> out.append("\\n");
        case '\t' -> out.append("\\t");
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> appendEscaped(out, c);
      }
    }
    return out.toString();
  }

  private static void appendEscaped(StringBuilder out, char c) {
    if (c == '\r') {
      out.append("\\r");
    } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || isInvisibleControl(c)) {
      out.append(String.format("\\u%04x", (int) c));
    } else {
      out.append(c);
    }
  }

  /** Bidirectional overrides and the Unicode line separators. */
  private static boolean isInvisibleControl(char c) {
    return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f || c == 0x061c
        || c == '\u2028' || c == '\u2029';
  }
}
