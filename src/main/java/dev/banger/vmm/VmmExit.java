package dev.banger.vmm;

/**
 * How a VMM process ended.
 *
 * @param exitCode the exit status, or null when unknown: a process adopted after a daemon restart
 *     is not banger's child, so only its disappearance can be observed. For a child killed by a
 *     signal this is 128 + the signal number, as {@link Process#exitValue()} reports it.
 * @param forced true when banger sent SIGKILL to end it
 */
public record VmmExit(Integer exitCode, boolean forced) {

  /** True when the VMM exited by itself with status 0 (a guest reboot, or a graceful stop). */
  public boolean clean() {
    return !forced && exitCode != null && exitCode == 0;
  }

  /** One line for {@code inspect} and logs, e.g. "exited with code 1". */
  public String describe() {
    if (forced) {
      return "killed by banger (SIGKILL)";
    }
    if (exitCode == null) {
      return "exited (exit code unknown: the VMM was adopted after a daemon restart)";
    }
    if (exitCode > 128 && exitCode <= 128 + 31 && (exitCode < 148 || exitCode > 157)) {
      return "killed by signal " + (exitCode - 128);
    }
    return "exited with code " + exitCode;
  }
}
