package dev.banger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A guest's console tail in an error reaches the terminal escaped, never as live control codes. */
class ErrorHandlerTest {
  @CommandLine.Command(name = "t")
  static final class Nothing implements Runnable {
    @Override
    public void run() {}
  }

  @Test
  void guestTextInAnErrorIsEscaped() {
    StringWriter err = new StringWriter();
    CommandLine cmd = new CommandLine(new Nothing()).setErr(new PrintWriter(err));
    String tail = "start failed at vmm.boot: exit 1\n--- last console lines ---\r\n\u001b[2J\u001b]0;owned\u0007gotcha\rbanger: ok";
    int code = new ErrorHandler().handleExecutionException(new BangerException(ErrorKind.FAILED_PRECONDITION, tail), cmd, null);
    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).doesNotContain("\u001b").doesNotContain("\u0007").doesNotContain("\r")
        .contains("\\u001b[2J\\u001b]0;owned\\u0007gotcha\\rbanger: ok")
        .contains("\n--- last console lines ---\n");
  }

  @Test
  void warningsAreEscapedToo() {
    StringWriter err = new StringWriter();
    try (ProgressDisplay display = new ProgressDisplay(new PrintWriter(err), false)) {
      display.accept(new dev.banger.api.StreamEvent.Warning("layer 1: \u001b[31mred"));
    }
    assertThat(err.toString()).contains("banger: warning: layer 1: \\u001b[31mred").doesNotContain("\u001b");
  }
}
