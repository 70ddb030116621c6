package dev.banger.host;

/** What a finished host command left behind. */
public record CommandResult(Command command, int exitCode, String stdout, String stderr) {
  public boolean ok() {
    return exitCode == 0;
  }

  /** Throws {@link CommandFailedException} unless the command exited 0; returns this otherwise. */
  public CommandResult orThrow() {
    if (!ok()) {
      throw new CommandFailedException(this);
    }
    return this;
  }
}
