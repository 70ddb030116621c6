package dev.banger.host;

import java.util.List;

/**
 * The one seam through which banger runs host programs (ip, losetup, dmsetup, debugfs, …).
 * Implementations never go through a shell. Tests substitute a fake that records calls.
 */
public interface CommandRunner {
  /**
   * Runs the command to completion and returns its result whatever the exit code.
   *
   * @throws dev.banger.error.BangerException when the program cannot be started or times out
   */
  CommandResult run(Command command);

  /** Runs the command and throws {@link CommandFailedException} on a non-zero exit. */
  default CommandResult check(Command command) {
    return run(command).orThrow();
  }

  default CommandResult check(String... argv) {
    return check(Command.of(argv));
  }

  default CommandResult check(List<String> argv) {
    return check(Command.of(argv));
  }
}
