package dev.banger.guest;

import dev.banger.error.BangerException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What banger's init runs in a container-mode VM, as {@code /.banger/config} carries it to the
 * guest (format: {@code src/main/c/init/config.c}): NUL-terminated {@code key=value} entries, so
 * arguments and values may hold any character but NUL, which no argv or environment can carry.
 *
 * @param argv Entrypoint + Cmd, at least one word
 * @param env {@code KEY=VALUE} entries, in order
 * @param workdir the working directory (absolute), or null for /
 * @param user {@code USER[:GROUP]}, or null for root
 * @param hostname the VM's name
 * @param bootId a fresh id per boot, echoed in the exit record so an older record never counts
 * @param stopSignal the signal number a stop request sends the process
 * @param tty the process gets the console as its terminal
 * @param stdin the process reads the console (else /dev/null)
 * @param poweroff end with a power-off (QEMU) rather than a reboot (Firecracker, which has no ACPI)
 * @param volumes the volumes to mount before the process starts, in device order
 */
public record InitConfig(List<String> argv, List<String> env, String workdir, String user, String hostname,
    String bootId, int stopSignal, boolean tty, boolean stdin, boolean poweroff, List<Volume> volumes) {

  /**
   * A volume as init mounts it (src/main/c/init/volumes.c).
   *
   * @param index its position after the root disk; its device's id is {@code bvol<index>}
   * @param readOnly mounted read-only
   * @param path the mount point, absolute
   */
  public record Volume(int index, boolean readOnly, String path) {}

  /** Linux x86-64 signal numbers by name, for the image's StopSignal. */
  private static final Map<String, Integer> SIGNALS = Map.ofEntries(
      Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4), Map.entry("TRAP", 5),
      Map.entry("ABRT", 6), Map.entry("IOT", 6), Map.entry("BUS", 7), Map.entry("FPE", 8), Map.entry("KILL", 9),
      Map.entry("USR1", 10), Map.entry("SEGV", 11), Map.entry("USR2", 12), Map.entry("PIPE", 13),
      Map.entry("ALRM", 14), Map.entry("TERM", 15), Map.entry("STKFLT", 16), Map.entry("CHLD", 17),
      Map.entry("CONT", 18), Map.entry("STOP", 19), Map.entry("TSTP", 20), Map.entry("TTIN", 21),
      Map.entry("TTOU", 22), Map.entry("URG", 23), Map.entry("XCPU", 24), Map.entry("XFSZ", 25),
      Map.entry("VTALRM", 26), Map.entry("PROF", 27), Map.entry("WINCH", 28), Map.entry("IO", 29),
      Map.entry("POLL", 29), Map.entry("PWR", 30), Map.entry("SYS", 31));
  public static final int SIGTERM = 15;

  /** Without volumes. */
  public InitConfig(List<String> argv, List<String> env, String workdir, String user, String hostname,
      String bootId, int stopSignal, boolean tty, boolean stdin, boolean poweroff) {
    this(argv, env, workdir, user, hostname, bootId, stopSignal, tty, stdin, poweroff, List.of());
  }

  public InitConfig withVolumes(List<Volume> value) {
    return new InitConfig(argv, env, workdir, user, hostname, bootId, stopSignal, tty, stdin, poweroff, value);
  }

  public InitConfig {
    volumes = volumes == null ? List.of() : List.copyOf(volumes);
    argv = List.copyOf(argv);
    env = List.copyOf(env);
    if (argv.isEmpty() || argv.get(0).isEmpty()) {
      throw BangerException.invalid("no command to run: the image has no Entrypoint or Cmd; give one after the image"
          + " (`banger run IMAGE -- CMD…`) or with --entrypoint");
    }
    argv.forEach(a -> noNul(a, "an argument"));
    for (String e : env) {
      noNul(e, "an environment variable");
      if (e.indexOf('=') <= 0) {
        throw BangerException.invalid("environment entry '" + e + "' is not KEY=VALUE");
      }
    }
    if (workdir != null) {
      noNul(workdir, "the working directory");
      if (!workdir.startsWith("/")) {
        throw BangerException.invalid("the working directory '" + workdir + "' is not an absolute path");
      }
    }
    if (user != null) {
      noNul(user, "the user");
    }
    Objects.requireNonNull(hostname, "hostname");
    Objects.requireNonNull(bootId, "bootId");
    if (stopSignal < 1 || stopSignal > 64) {
      throw BangerException.invalid("stop signal " + stopSignal + " is not a signal number 1-64");
    }
  }

  /** The file's bytes as text: every entry ends in NUL (UTF-8 keeps NUL a single 0 byte). */
  public String encode() {
    StringBuilder out = new StringBuilder();
    entry(out, "banger-init", "1");
    argv.forEach(a -> entry(out, "arg", a));
    env.forEach(e -> entry(out, "env", e));
    if (workdir != null) {
      entry(out, "cwd", workdir);
    }
    if (user != null) {
      entry(out, "user", user);
    }
    entry(out, "hostname", hostname);
    entry(out, "boot", bootId);
    entry(out, "stopsignal", Integer.toString(stopSignal));
    entry(out, "tty", tty ? "1" : "0");
    entry(out, "stdin", stdin ? "1" : "0");
    entry(out, "poweroff", poweroff ? "1" : "0");
    volumes.forEach(v -> entry(out, "volume", "bvol" + v.index() + ":" + (v.readOnly() ? "ro" : "rw") + ":" + v.path()));
    return out.toString();
  }

  /**
   * The config of banger-init as image mode's first stage (src/main/c/init/stage.c): no process of
   * its own; it starts the agent, then execs {@code next}, the image's init.
   */
  public static String firstStage(String hostname, String bootId, String next) {
    Objects.requireNonNull(hostname, "hostname");
    Objects.requireNonNull(bootId, "bootId");
    noNul(next, "the init path");
    if (!next.startsWith("/")) {
      throw BangerException.invalid("the init path '" + next + "' is not absolute");
    }
    StringBuilder out = new StringBuilder();
    entry(out, "banger-init", "1");
    entry(out, "next", next);
    entry(out, "hostname", hostname);
    entry(out, "boot", bootId);
    return out.toString();
  }

  private static void entry(StringBuilder out, String key, String value) {
    out.append(key).append('=').append(value).append('\0');
  }

  /**
   * A StopSignal as images write it ({@code SIGTERM}, {@code TERM}, {@code 15}); null means
   * SIGTERM, as in docker.
   */
  public static int signalNumber(String name) {
    if (name == null || name.isBlank()) {
      return SIGTERM;
    }
    String s = name.strip().toUpperCase(Locale.ROOT);
    if (s.chars().allMatch(Character::isDigit) && s.length() <= 2) {
      int n = Integer.parseInt(s);
      if (n >= 1 && n <= 64) {
        return n;
      }
    }
    Integer n = SIGNALS.get(s.startsWith("SIG") ? s.substring(3) : s);
    if (n == null) {
      throw BangerException.invalid("stop signal '" + name + "' is not a signal name (e.g. SIGTERM) or number");
    }
    return n;
  }

  private static void noNul(String value, String what) {
    if (value.indexOf('\0') >= 0) {
      throw BangerException.invalid(what + " holds a NUL character, which a process cannot receive");
    }
  }
}
