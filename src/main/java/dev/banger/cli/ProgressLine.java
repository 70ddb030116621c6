package dev.banger.cli;

import dev.banger.api.StreamEvent.Progress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Renders an import's progress as one short line, e.g. {@code layer 2/3  45.1 MiB / 120.0 MiB  build}. */
final class ProgressLine {
  /** Longer lines would wrap on an 80-column terminal, and {@code \r} cannot redraw a wrapped line. */
  static final int MAX_WIDTH = 79;
  private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB"};

  private ProgressLine() {}

  /** The line for {@code p}, leaving out what is not known; empty when nothing is. */
  static String render(Progress p) {
    List<String> parts = new ArrayList<>();
    if (p.layers() > 0 && p.layer() > 0) {
      parts.add("layer " + p.layer() + "/" + p.layers());
    }
    if (p.done() >= 0) {
      parts.add(p.total() >= 0 ? bytes(p.done()) + " / " + bytes(p.total()) : bytes(p.done()));
    }
    if (!p.phase().isEmpty()) {
      parts.add(p.phase());
    }
    String line = String.join("  ", parts);
    return line.length() > MAX_WIDTH ? line.substring(0, MAX_WIDTH) : line;
  }

  /** Binary units with one decimal: {@code 512 B}, {@code 1.5 KiB}, {@code 45.1 MiB}. */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    double value = n;
    int unit = -1;
    while (value >= 1024 && unit < UNITS.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
  }
}
