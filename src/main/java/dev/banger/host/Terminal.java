package dev.banger.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The terminal on standard input, switched to raw mode (no echo, no line editing, no signals from
 * Ctrl-C) for an attached console and restored on every way out: {@link #close()} for normal
 * returns and exceptions, a shutdown hook for SIGINT, SIGTERM and SIGHUP. stty runs on standard
 * input because that is where the keys come from; {@code stty -g} succeeds only on a terminal, so
 * it both detects one and saves its settings.
 */
public final class Terminal implements AutoCloseable {
  private final String saved;
  private final AtomicBoolean restored = new AtomicBoolean();
  private final Thread hook;

  private Terminal(String saved) {
    this.saved = saved;
    this.hook = saved == null ? null : new Thread(this::restore, "terminal-restore");
  }

  /** A terminal left as it is ({@link #isRaw()} false). */
  public static Terminal none() {
    return new Terminal(null);
  }

  /** Raw mode when standard input is a terminal; otherwise a no-op terminal ({@link #isRaw()} false). */
  public static Terminal rawIfInteractive() {
    String settings;
    try {
      settings = stty(List.of("-g"));
    } catch (IOException e) {
      return new Terminal(null);
    }
    Terminal terminal = new Terminal(settings.strip());
    // The hook goes in before the mode changes, so no signal can leave the terminal raw.
    Runtime.getRuntime().addShutdownHook(terminal.hook);
    try {
      stty(List.of("raw", "-echo"));
    } catch (IOException e) {
      terminal.close();
      return new Terminal(null);
    }
    return terminal;
  }

  /** True when the terminal was switched to raw mode (and will be restored). */
  public boolean isRaw() {
    return saved != null;
  }

  @Override
  public void close() {
    if (saved == null) {
      return;
    }
    restore();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // Already shutting down: the hook is running or has run.
    }
  }

  private void restore() {
    if (restored.compareAndSet(false, true)) {
      try {
        stty(List.of(saved));
      } catch (IOException e) {
        System.err.print("\r\nbanger: could not restore the terminal (" + e.getMessage() + "); run `stty sane`\r\n");
      }
    }
  }

  /** Rows and columns of the terminal on standard input ({@code stty size}); {0, 0} when it is none. */
  public static int[] size() {
    try {
      String[] parts = stty(List.of("size")).strip().split("\\s+");
      return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
    } catch (IOException | RuntimeException e) {
      return new int[] {0, 0};
    }
  }

  /** Runs stty on our standard input; returns its output, or throws when it fails. */
  private static String stty(List<String> args) throws IOException {
    List<String> argv = new java.util.ArrayList<>(List.of("stty"));
    argv.addAll(args);
    Process process = new ProcessBuilder(argv)
        .redirectInput(ProcessBuilder.Redirect.INHERIT)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("stty " + String.join(" ", args) + " hung");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (process.exitValue() != 0) {
      throw new IOException("stty " + String.join(" ", args) + " exited with " + process.exitValue());
    }
    return out;
  }
}
