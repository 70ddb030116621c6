package dev.banger.host;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;

/** A host command exited non-zero; the message carries the command line and its stderr. */
public final class CommandFailedException extends BangerException {
  private static final long serialVersionUID = 1L;

  private final transient CommandResult result;

  public CommandFailedException(CommandResult result) {
    super(ErrorKind.INTERNAL, describe(result));
    this.result = result;
  }

  public CommandResult result() {
    return result;
  }

  public String stderr() {
    return result.stderr();
  }

  private static String describe(CommandResult result) {
    String err = result.stderr().strip();
    if (err.isEmpty()) {
      err = result.stdout().strip();
    }
    if (err.length() > 2000) {
      err = err.substring(0, 2000) + "…";
    }
    return "`" + result.command().display() + "` failed with exit code " + result.exitCode()
        + (err.isEmpty() ? "" : ": " + err);
  }
}
