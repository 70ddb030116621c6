package dev.banger.cli;

import dev.banger.api.StreamEvent;
import java.io.PrintWriter;
import java.util.Map;
import java.util.function.Consumer;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Shows a streamed request's events on stderr: warnings always, as {@code banger: warning: …}
 * lines; progress only when {@code live} (stderr is a terminal and --json is off), as one line
 * redrawn in place with {@code \r} and blanked out at the end. Plain carriage returns and spaces,
 * no escape sequences, so even a dumb terminal shows it right. When not live it prints nothing
 * but warnings, so output to a pipe or file is what it was before progress existed.
 */
final class ProgressDisplay implements Consumer<StreamEvent>, AutoCloseable {
  private final PrintWriter err;
  private final boolean live;
  private String shown = "";

  ProgressDisplay(PrintWriter err, boolean live) {
    this.err = err;
    this.live = live;
  }

  /** POSTs {@code body} to {@code path} with progress on this command's stderr; returns the result. */
  static Object post(CommandSpec spec, String path, Map<String, ?> body) {
    GlobalOptions global = GlobalOptions.of(spec);
    boolean live = !global.json && TerminalProbe.isTerminal(2);
    // Closed before an error propagates, so the error line never lands on a half-drawn progress line.
    try (ProgressDisplay display = new ProgressDisplay(spec.commandLine().getErr(), live)) {
      return global.client().callStreaming("POST", path, body, display);
    }
  }

  @Override
  public void accept(StreamEvent event) {
    if (event instanceof StreamEvent.Warning warning) {
      clear();
      err.println("banger: warning: " + dev.banger.error.Printable.escape(warning.message()));
      err.flush();
    } else if (live && event instanceof StreamEvent.Progress progress) {
      draw(ProgressLine.render(progress));
    }
  }

  private void draw(String line) {
    if (line.equals(shown)) {
      return;
    }
    // Spaces cover what is left of a longer previous line.
    err.print("\r" + line + " ".repeat(Math.max(0, shown.length() - line.length())));
    err.flush();
    shown = line;
  }

  private void clear() {
    if (!shown.isEmpty()) {
      err.print("\r" + " ".repeat(shown.length()) + "\r");
      err.flush();
      shown = "";
    }
  }

  @Override
  public void close() {
    clear();
  }
}
