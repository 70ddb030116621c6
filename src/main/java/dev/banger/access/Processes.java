package dev.banger.access;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The CLI side's child processes (ssh, tar). Unlike the daemon's host commands these belong to
 * the user's terminal: they inherit its stdin, stdout and stderr, and their exit code is ours.
 */
public final class Processes {
  private Processes() {}

  /** Runs {@code argv} on the caller's terminal and returns its exit code. */
  public static int interactive(List<String> argv) throws InterruptedException {
    Process process = start(new ProcessBuilder(argv).inheritIO(), argv);
    return process.waitFor();
  }

  /** Runs {@code argv} without stdin or stdout; returns its exit code and stderr. */
  public static SshProbe.Result capture(List<String> argv, Duration timeout) {
    ProcessBuilder builder = new ProcessBuilder(argv)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process process = start(builder, argv);
    // Drained on a thread of its own, so a probe that hangs still ends at the timeout.
    java.util.concurrent.FutureTask<byte[]> err = new java.util.concurrent.FutureTask<>(() -> process.getErrorStream().readAllBytes());
    Thread.ofVirtual().name("ssh-stderr").start(err);
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
        return new SshProbe.Result(255, "timed out after " + timeout.toSeconds() + " s");
      }
      return new SshProbe.Result(process.exitValue(), new String(err.get(), StandardCharsets.UTF_8));
    } catch (java.util.concurrent.ExecutionException e) {
      return new SshProbe.Result(255, "cannot read ssh's output: " + e.getCause());
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new BangerException(ErrorKind.UNAVAILABLE, "interrupted while waiting for ssh", e);
    }
  }

  static Process start(ProcessBuilder builder, List<String> argv) {
    try {
      return builder.start();
    } catch (IOException e) {
      throw BangerException.precondition("Tried to run " + argv.get(0) + " but could not start it: " + e.getMessage()
          + " (banger ssh/exec/cp need the ssh client and tar: apt-get install openssh-client tar)");
    }
  }
}
