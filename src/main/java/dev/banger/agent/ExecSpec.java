package dev.banger.agent;

import dev.banger.error.BangerException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What one exec runs: argv exactly as given, extra environment, working directory, user, and
 * whether it gets stdin and a terminal. Encoded as banger-init's config format (NUL-terminated
 * {@code key=value} entries after {@code banger-init=1}), which the agent parses with the same
 * code as {@code /.banger/config}; an EXEC frame carries it, so it must fit one frame.
 *
 * @param argv the command and its arguments; at least one
 * @param env {@code KEY=VALUE} entries added to the image's defaults
 * @param cwd working directory, or null for /
 * @param user {@code USER[:GROUP]}, or null for root
 * @param stdin whether STDIN frames feed the process (else it reads /dev/null)
 * @param tty whether it runs on a terminal of its own (stdout and stderr then merge)
 * @param rows terminal rows, 0 when unknown
 * @param cols terminal columns, 0 when unknown
 */
public record ExecSpec(List<String> argv, List<String> env, String cwd, String user, boolean stdin, boolean tty,
    int rows, int cols) {

  public ExecSpec {
    argv = List.copyOf(argv);
    env = List.copyOf(env);
    if (argv.isEmpty()) {
      throw BangerException.invalid("exec needs a command");
    }
    for (String s : argv) {
      noNul("argument", s);
    }
    for (String e : env) {
      noNul("environment entry", e);
      if (e.indexOf('=') < 1) {
        throw BangerException.invalid("environment entry '" + e + "' is not KEY=VALUE");
      }
    }
    if (cwd != null && !cwd.startsWith("/")) {
      throw BangerException.invalid("the working directory must be absolute, got '" + cwd + "'");
    }
    noNul("working directory", cwd);
    noNul("user", user);
    if (rows < 0 || rows > 65535 || cols < 0 || cols > 65535) {
      throw BangerException.invalid("terminal size " + rows + "x" + cols + " is out of range");
    }
  }

  public static ExecSpec of(List<String> argv) {
    return new ExecSpec(argv, List.of(), null, null, false, false, 0, 0);
  }

  private static void noNul(String what, String value) {
    if (value != null && value.indexOf('\0') >= 0) {
      throw BangerException.invalid("the " + what + " '" + value.replace('\0', '?') + "' contains a NUL byte, which no process can receive");
    }
  }

  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    entry(out, "banger-init", "1");
    argv.forEach(a -> entry(out, "arg", a));
    env.forEach(e -> entry(out, "env", e));
    if (cwd != null) {
      entry(out, "cwd", cwd);
    }
    if (user != null) {
      entry(out, "user", user);
    }
    entry(out, "stdin", stdin ? "1" : "0");
    entry(out, "tty", tty ? "1" : "0");
    entry(out, "rows", Integer.toString(rows));
    entry(out, "cols", Integer.toString(cols));
    byte[] bytes = out.toByteArray();
    if (bytes.length > Frame.MAX_PAYLOAD) {
      throw BangerException.invalid("the command and its environment take " + bytes.length + " bytes; an exec carries at most "
          + Frame.MAX_PAYLOAD);
    }
    return bytes;
  }

  /** The inverse of {@link #encode()}, refusing anything it would not write (the daemon checks what a CLI sent). */
  public static ExecSpec decode(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (!text.startsWith("banger-init=1\0") || !text.endsWith("\0")) {
      throw BangerException.invalid("malformed exec request: not in the banger-init=1 format");
    }
    List<String> argv = new ArrayList<>();
    List<String> env = new ArrayList<>();
    String cwd = null;
    String user = null;
    boolean stdin = false;
    boolean tty = false;
    int rows = 0;
    int cols = 0;
    for (String entry : text.substring("banger-init=1\0".length(), text.length() - 1).split("\0", -1)) {
      int eq = entry.indexOf('=');
      String key = eq < 0 ? entry : entry.substring(0, eq);
      String value = eq < 0 ? "" : entry.substring(eq + 1);
      switch (key) {
        case "arg" -> argv.add(value);
        case "env" -> env.add(value);
        case "cwd" -> cwd = value;
        case "user" -> user = value;
        case "stdin" -> stdin = flag(value);
        case "tty" -> tty = flag(value);
        case "rows" -> rows = number(value);
        case "cols" -> cols = number(value);
        default -> throw BangerException.invalid("malformed exec request: unknown key '" + key + "'");
      }
    }
    return new ExecSpec(argv, env, cwd, user, stdin, tty, rows, cols);
  }

  private static boolean flag(String value) {
    return switch (value) {
      case "0" -> false;
      case "1" -> true;
      default -> throw BangerException.invalid("malformed exec request: flag '" + value + "'");
    };
  }

  private static int number(String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw BangerException.invalid("malformed exec request: number '" + value + "'");
    }
  }

  private static void entry(ByteArrayOutputStream out, String key, String value) {
    out.writeBytes((key + "=" + value).getBytes(StandardCharsets.UTF_8));
    out.write(0);
  }
}
