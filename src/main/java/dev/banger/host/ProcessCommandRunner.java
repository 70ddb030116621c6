package dev.banger.host;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/** Runs commands as child processes with {@link ProcessBuilder}; stdout and stderr are captured. */
public final class ProcessCommandRunner implements CommandRunner {

  @Override
  public CommandResult run(Command command) {
    ProcessBuilder builder = new ProcessBuilder(command.argv());
    builder.environment().putAll(command.env());
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new BangerException(
          ErrorKind.FAILED_PRECONDITION,
          "Tried to run `" + command.display() + "` but could not start " + command.program()
              + ": " + e.getMessage() + " (is it installed and on PATH?)",
          e);
    }
    // Drain both pipes concurrently so a chatty command never blocks on a full pipe.
    FutureTask<byte[]> out = drain(process.getInputStream());
    FutureTask<byte[]> err = drain(process.getErrorStream());
    try (OutputStream stdin = process.getOutputStream()) {
      stdin.write(command.stdin().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // The command closed its stdin early; its exit code and stderr will say why.
    }
    try {
      if (!process.waitFor(command.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor();
        throw new BangerException(
            ErrorKind.UNAVAILABLE,
            "`" + command.display() + "` did not finish within " + command.timeout().toSeconds()
                + " s and was killed");
      }
      return new CommandResult(
          command,
          process.exitValue(),
          new String(out.get(), StandardCharsets.UTF_8),
          new String(err.get(), StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new BangerException(ErrorKind.UNAVAILABLE, "interrupted while running `" + command.display() + "`", e);
    } catch (ExecutionException e) {
      throw new BangerException(ErrorKind.INTERNAL, "could not read the output of `" + command.display() + "`", e);
    }
  }

  // A thread of its own per pipe: the common pool has one worker on a 2-core host, and two
  // drains queued behind each other would deadlock on a command that fills its stderr first.
  private static FutureTask<byte[]> drain(InputStream stream) {
    FutureTask<byte[]> task =
        new FutureTask<>(
            () -> {
              try (stream) {
                ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                stream.transferTo(buffer);
                return buffer.toByteArray();
              }
            });
    Thread.ofVirtual().name("drain").start(task);
    return task;
  }
}
