package dev.banger.error;

/**
 * Text from outside banger (a guest, an image, a registry) made safe to print: control
 * characters become escapes, so a hostile name or error body cannot forge lines or drive the
 * user's terminal.
 */
public final class Printable {
  /** How much of a remote error body a message repeats. */
  public static final int EXCERPT_CHARS = 200;

  private Printable() {}

  /** {@code text} in double quotes, with control characters, quotes and backslashes escaped. */
  public static String quote(String text) {
    return quote(text, Integer.MAX_VALUE);
  }

  /** Like {@link #quote(String)}, cut after {@code maxChars} characters with a note of the full length. */
  public static String quote(String text, int maxChars) {
    String quoted = "\"" + escape(text, maxChars);
    return text.length() > maxChars ? quoted + "…\" (" + text.length() + " characters)" : quoted + "\"";
  }

  /**
   * At most {@code maxChars} characters of {@code text}, control characters escaped, with an
   * ellipsis and the full length when it was cut; for remote bodies shown in an error.
   */
  public static String excerpt(String text, int maxChars) {
    String stripped = text.strip();
    String escaped = escape(stripped, maxChars);
    return stripped.length() > maxChars ? escaped + "… (" + stripped.length() + " characters)" : escaped;
  }

  private static String escape(String text, int maxChars) {
    StringBuilder out = new StringBuilder();
    int n = Math.min(text.length(), maxChars);
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      switch (c) {
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029') {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }
}
