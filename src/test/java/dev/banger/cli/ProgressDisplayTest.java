package dev.banger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.api.StreamEvent;
import dev.banger.api.StreamEvent.Progress;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** What reaches stderr, byte for byte, on a terminal and off one. */
class ProgressDisplayTest {
  private final StringWriter err = new StringWriter();

  @Test
  void onATerminalOneLineIsRedrawnInPlaceAndBlankedAtTheEnd() {
    try (ProgressDisplay display = new ProgressDisplay(new PrintWriter(err), true)) {
      display.accept(new Progress("scan", 1, 2, -1, -1));
      display.accept(new Progress("scan", 1, 2, -1, -1)); // unchanged: not redrawn
      display.accept(new Progress("build", 0, 0, -1, -1));
    }
    assertThat(err.toString()).isEqualTo(
        "\rlayer 1/2  scan"
        + "\rbuild" + " ".repeat(10)
        + "\r     \r");
  }

  @Test
  void aWarningGetsALineOfItsOwnAndProgressResumesBelowIt() {
    try (ProgressDisplay display = new ProgressDisplay(new PrintWriter(err), true)) {
      display.accept(new Progress("scan", 0, 0, -1, -1));
      display.accept(new StreamEvent.Warning("xattrs not preserved"));
      display.accept(new Progress("build", 0, 0, -1, -1));
    }
    assertThat(err.toString()).isEqualTo(
        "\rscan\r    \r"
        + "banger: warning: xattrs not preserved" + System.lineSeparator()
        + "\rbuild\r     \r");
  }

  @Test
  void offATerminalOnlyWarningsArePrinted() {
    try (ProgressDisplay display = new ProgressDisplay(new PrintWriter(err), false)) {
      display.accept(new Progress("scan", 1, 2, 10, 20));
      display.accept(new StreamEvent.Warning("careful"));
      display.accept(new Progress("build", 2, 2, 20, 20));
    }
    assertThat(err.toString()).isEqualTo("banger: warning: careful" + System.lineSeparator());
  }

  @Test
  void nothingAtAllWhenThereIsNothingToSay() {
    try (ProgressDisplay display = new ProgressDisplay(new PrintWriter(err), true)) {
      display.accept(Progress.START);
    }
    assertThat(err.toString()).isEmpty();
  }
}
