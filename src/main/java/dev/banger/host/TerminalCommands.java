package dev.banger.host;

import dev.banger.error.BangerException;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Programs run for the user at their terminal ({@code banger ssh/exec/cp} run ssh and tar):
 * unlike {@link CommandRunner}'s captured host commands, these inherit the CLI's stdin, stdout
 * and stderr, may run for as long as the user likes, and their exit code becomes the CLI's.
 */
public final class TerminalCommands {
  private TerminalCommands() {}

  /** Runs {@code argv} on the caller's terminal and returns its exit code. */
  public static int interactive(List<String> argv) throws InterruptedException {
    return start(new ProcessBuilder(argv).inheritIO(), argv).waitFor();
  }

  /**
   * Runs {@code from | to}: no stdin for {@code from}, {@code to}'s stdout on the terminal, both
   * stderrs on the terminal. Returns the first non-zero exit code, or 0.
   */
  public static int pipe(List<String> from, List<String> to) throws InterruptedException {
    List<Process> processes;
    try {
      processes = ProcessBuilder.startPipeline(List.of(
          new ProcessBuilder(from).redirectError(ProcessBuilder.Redirect.INHERIT),
          new ProcessBuilder(to).redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT)));
    } catch (IOException e) {
      throw cannotStart(from.get(0) + " | " + to.get(0), e);
    }
    try {
      processes.get(0).getOutputStream().close();
    } catch (IOException e) {
      // It never reads its stdin; nothing to do.
    }
    int first = processes.get(0).waitFor();
    int second = processes.get(1).waitFor();
    return first != 0 ? first : second;
  }

  /**
   * Runs {@code argv} with {@code stdin} copied to its standard input (then closed), its stdout
   * and stderr on the terminal; returns its exit code.
   */
  public static int writeInput(List<String> argv, InputStream stdin) throws IOException, InterruptedException {
    Process process = start(new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.INHERIT)
        .redirectError(ProcessBuilder.Redirect.INHERIT), argv);
    return killedUnlessDone(process, () -> {
      try (java.io.OutputStream in = process.getOutputStream()) {
        stdin.transferTo(in);
      }
    });
  }

  /** The I/O a caller does with a started process. */
  @FunctionalInterface
  private interface Io {
    void run() throws IOException;
  }

  /** Runs {@code io}, then waits for the process; if {@code io} fails, the process is killed first. */
  private static int killedUnlessDone(Process process, Io io) throws IOException, InterruptedException {
    boolean done = false;
    try {
      io.run();
      done = true;
      return process.waitFor();
    } finally {
      if (!done) {
        process.destroyForcibly();
        process.waitFor();
      }
    }
  }

  /** Consumes a program's standard output. */
  @FunctionalInterface
  public interface OutputReader {
    void read(InputStream stdout) throws IOException;
  }

  /**
   * Runs {@code argv} with no stdin and its stderr on the terminal, handing its stdout to {@code
   * reader} in this process (so a program's output is checked here, not trusted to another
   * tool). If the reader throws, the program is killed and the error propagates. Returns the
   * program's exit code.
   */
  public static int readOutput(List<String> argv, OutputReader reader) throws IOException, InterruptedException {
    Process process = start(new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.PIPE)
        .redirectError(ProcessBuilder.Redirect.INHERIT), argv);
    return killedUnlessDone(process, () -> {
      process.getOutputStream().close();
      try (InputStream stdout = process.getInputStream()) {
        reader.read(stdout);
      }
    });
  }

  private static Process start(ProcessBuilder builder, List<String> argv) {
    try {
      return builder.start();
    } catch (IOException e) {
      throw cannotStart(argv.get(0), e);
    }
  }

  private static BangerException cannotStart(String what, IOException e) {
    return BangerException.precondition("Tried to run " + what + " but could not start it: " + e.getMessage() + " (is it installed?)");
  }
}
