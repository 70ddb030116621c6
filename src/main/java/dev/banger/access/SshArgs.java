package dev.banger.access;

import dev.banger.error.BangerException;
import java.util.ArrayList;
import java.util.List;

/**
 * The system ssh client's command lines for one VM. Every one of them:
 *
 * <ul>
 *   <li>runs inside the daemon's network namespace ({@code ip netns exec}), where the guest's
 *       address lives, when the daemon has one;
 *   <li>reads no ssh config ({@code -F none}), so a user's {@code Host *} settings cannot
 *       redirect or break it;
 *   <li>trusts only the VM's own known_hosts: the host key is recorded on first contact
 *       ({@code accept-new}) and a different one later is refused;
 *   <li>offers banger's key only ({@code IdentitiesOnly}), not every key in the user's agent.
 * </ul>
 */
public final class SshArgs {
  private final Target target;

  public SshArgs(Target target) {
    this.target = target;
  }

  public Target target() {
    return target;
  }

  /** A readiness probe: no stdin, no terminal, no prompts; runs {@code true}. */
  public List<String> probe(int connectTimeoutSeconds) {
    List<String> argv = base();
    argv.addAll(List.of("-n", "-T", "-o", "BatchMode=yes", "-o", "ConnectTimeout=" + connectTimeoutSeconds, target.ip(), "true"));
    return argv;
  }

  /**
   * {@code banger ssh}: a login shell, or {@code command} handed to the guest's shell as ssh
   * does (its words joined with spaces, so pipes and globs work as the user wrote them).
   */
  public List<String> interactive(List<String> command) {
    List<String> argv = base();
    argv.add(target.ip());
    if (!command.isEmpty()) {
      argv.add(String.join(" ", command));
    }
    return argv;
  }

  /** {@code banger exec}: the argument vector exactly, no terminal, stdout and stderr apart. */
  public List<String> exec(List<String> command) {
    return remote(ShellQuote.join(command));
  }

  /** A remote shell command line run without a terminal (cp's tar ends). */
  public List<String> remote(String commandLine) {
    List<String> argv = base();
    argv.addAll(List.of("-T", "-o", "BatchMode=yes", target.ip(), commandLine));
    return argv;
  }

  private List<String> base() {
    List<String> argv = new ArrayList<>();
    if (target.netns() != null) {
      argv.addAll(List.of("ip", "netns", "exec", target.netns()));
    }
    argv.addAll(List.of("ssh", "-F", "none",
        "-o", "UserKnownHostsFile=" + sshPath(target.knownHostsFile()),
        "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "StrictHostKeyChecking=accept-new",
        "-o", "UpdateHostKeys=no",
        // Quiet "Permanently added ... to the list of known hosts"; errors still show.
        "-o", "LogLevel=ERROR",
        // A VM that dies mid-session ends the session within a minute instead of never.
        "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4"));
    if (target.identityFile() != null) {
      argv.addAll(List.of("-o", "IdentitiesOnly=yes", "-i", target.identityFile()));
    }
    argv.addAll(List.of("-p", Integer.toString(target.port()), "-l", target.user()));
    return argv;
  }

  /** ssh splits option values on white space unless double-quoted, and cannot quote a quote. */
  private static String sshPath(String path) {
    if (path.contains("\"")) {
      throw BangerException.invalid("ssh cannot use a path with a double quote: " + path);
    }
    return path.chars().anyMatch(Character::isWhitespace) ? "\"" + path + "\"" : path;
  }
}
