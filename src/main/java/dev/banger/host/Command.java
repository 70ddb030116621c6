package dev.banger.host;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One host command: an argument array (never a shell line), an optional stdin and a timeout.
 *
 * @param argv program and arguments; the program is looked up on PATH
 * @param stdin text (UTF-8) fed to the command's standard input, empty for none
 * @param timeout how long the command may run before it is killed
 * @param env extra environment variables, on top of the daemon's own
 */
public record Command(List<String> argv, String stdin, Duration timeout, Map<String, String> env) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  public Command {
    Objects.requireNonNull(argv, "argv");
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("a command needs at least a program name");
    }
    for (String arg : argv) {
      Objects.requireNonNull(arg, "argv element");
    }
    argv = List.copyOf(argv);
    stdin = stdin == null ? "" : stdin;
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    env = env == null ? Map.of() : Map.copyOf(env);
  }

  public static Command of(String... argv) {
    return new Command(List.of(argv), null, null, null);
  }

  public static Command of(List<String> argv) {
    return new Command(argv, null, null, null);
  }

  public Command withStdin(String input) {
    return new Command(argv, input, timeout, env);
  }

  public Command withTimeout(Duration limit) {
    return new Command(argv, stdin, limit, env);
  }

  public Command withEnv(Map<String, String> extra) {
    return new Command(argv, stdin, timeout, extra);
  }

  /** Returns a copy whose argv is {@code prefix} followed by this command's argv. */
  public Command prefixed(List<String> prefix) {
    List<String> all = new ArrayList<>(prefix);
    all.addAll(argv);
    return new Command(all, stdin, timeout, env);
  }

  public String program() {
    return argv.get(0);
  }

  /** The command as a user would type it, for error messages and logs. */
  public String display() {
    return String.join(" ", argv);
  }

  @Override
  public String toString() {
    return "Command[" + display() + "]";
  }
}
