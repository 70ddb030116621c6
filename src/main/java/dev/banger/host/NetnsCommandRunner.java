package dev.banger.host;

import dev.banger.error.BangerException;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Runs every command inside a named network namespace by prefixing {@code ip netns exec NAME}.
 * One decorator rather than {@code ip -n} on each call, so that nft, sysctl and iptables land
 * in the namespace too; {@code ip netns exec} also remounts /sys, so sysfs reads match.
 */
public final class NetnsCommandRunner implements CommandRunner {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  private final CommandRunner delegate;
  private final String netns;
  private final List<String> prefix;

  private NetnsCommandRunner(CommandRunner delegate, String netns) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.netns = checkName(netns);
    this.prefix = prefix(netns);
  }

  /**
   * The argv prefix that runs a program inside {@code netns}, for long-running processes (a VMM)
   * that are started outside the runner: {@code ip netns exec} execs in place, so the pid of the
   * started process is the program's own.
   */
  public static List<String> prefix(String netns) {
    return List.of("ip", "netns", "exec", checkName(netns));
  }

  /** The runner itself when {@code netns} is null or blank, else one that runs inside it. */
  public static CommandRunner wrap(CommandRunner delegate, String netns) {
    if (netns == null || netns.isBlank()) {
      return delegate;
    }
    return new NetnsCommandRunner(delegate, netns);
  }

  /** Rejects names that ip-netns would treat as paths ({@code .}, {@code ..}, slashes). */
  public static String checkName(String netns) {
    if (netns == null || !NAME.matcher(netns).matches() || netns.equals(".") || netns.equals("..")) {
      throw BangerException.invalid(
          "network namespace name '" + netns + "' is not valid: use 1-64 letters, digits, '.', '_' or '-'");
    }
    return netns;
  }

  public String netns() {
    return netns;
  }

  @Override
  public CommandResult run(Command command) {
    return delegate.run(command.prefixed(prefix));
  }
}
