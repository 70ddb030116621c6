package dev.banger.error;

/**
 * Makes text that may come from a guest (console tails in errors, a VM's lastError) or another
 * untrusted source safe to print on a terminal: control characters become visible escapes, so
 * a guest cannot move the cursor, recolour, retitle or rewrite what the user sees (ESC, CR, BS,
 * the C1 controls), nor hide text behind bidirectional overrides. Newlines and tabs stay — a
 * console tail is meant to read as lines — and CRLF, the serial console's line end, reads as one.
 */
public final class Printable {
  private Printable() {}

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
      } else if (c == '\r') {
        out.append("\\r");
      } else if (c == 0x1b) {
        out.append("\\e");
      } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || isBidiControl(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static boolean isBidiControl(char c) {
    return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f || c == 0x061c;
  }
}
