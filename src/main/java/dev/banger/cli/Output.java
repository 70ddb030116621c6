package dev.banger.cli;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Tables for people and JSON for scripts. */
final class Output {
  private Output() {}

  static void json(PrintWriter out, Object value) {
    try {
      out.println(JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT).asString(value));
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Prints rows under a header, each column as wide as its widest cell. */
  static void table(PrintWriter out, List<String> header, List<List<String>> rows) {
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    int[] width = new int[header.size()];
    for (List<String> row : all) {
      for (int i = 0; i < row.size(); i++) {
        width[i] = Math.max(width[i], row.get(i).length());
      }
    }
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(row.get(i));
        if (i < row.size() - 1) {
          line.append(" ".repeat(width[i] - row.get(i).length() + 2));
        }
      }
      out.println(line.toString().stripTrailing());
    }
    out.flush();
  }

  /** A table cell: "-" for nothing, control characters escaped (names and states come from the daemon). */
  static String text(Object value) {
    return value == null ? "-" : dev.banger.error.Printable.escape(value.toString());
  }
}
