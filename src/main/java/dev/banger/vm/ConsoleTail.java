package dev.banger.vm;

import dev.banger.guest.ReadyMarker;
import dev.banger.model.VmRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The VM's console log as errors and boots use it: its last lines, and where a new boot's output starts. */
final class ConsoleTail {
  private static final int LINES = 20;

  private ConsoleTail() {}

  /** The last lines of the serial console, so a failed boot explains itself; empty without a log. */
  static String of(VmRuntime runtime) {
    if (runtime.consoleLog() == null) {
      return "";
    }
    try {
      List<String> lines = Files.readAllLines(Path.of(runtime.consoleLog()), StandardCharsets.UTF_8);
      if (lines.isEmpty()) {
        return "";
      }
      List<String> tail = lines.subList(Math.max(0, lines.size() - LINES), lines.size());
      return "\n--- last console lines ---\n" + String.join("\n", tail).replace(ReadyMarker.TEXT, "");
    } catch (IOException | UncheckedIOException e) {
      return "";
    }
  }

  /** The console log's size now: where the next boot's output begins. */
  static long size(VmRuntime runtime) {
    try {
      return runtime.consoleLog() == null ? 0 : Files.size(Path.of(runtime.consoleLog()));
    } catch (IOException e) {
      return 0; // no log yet: this boot's output starts at its beginning
    }
  }
}
