package dev.banger.network;

import dev.banger.error.BangerException;
import dev.banger.host.CommandRunner;
import dev.banger.model.VmSpec.PortForward;
import java.util.List;

/** Which host ports a listening socket holds in the network's namespace ({@code ss}), for port forwards. */
final class HostPorts {
  private final CommandRunner runner;

  HostPorts(CommandRunner runner) {
    this.runner = runner;
  }

  /**
   * Refuses the first of {@code ports} a listening socket holds: a forward would silently shadow
   * it. The one home of this check, at create and again at each start.
   *
   * @param netns the namespace forwards apply in, or null for the host's
   * @param remedy what the caller can do instead, the end of the message
   */
  void checkFree(List<PortForward> ports, String netns, String remedy) {
    for (PortForward port : ports) {
      PortForward checked = port.checked();
      if (inUse(checked.hostPort(), checked.protocol())) {
        throw BangerException.precondition("host port " + checked.hostSide() + " is taken by a listening socket"
            + (netns == null ? " on this host" : " in the daemon's network namespace " + netns) + "; " + remedy);
      }
    }
  }

  /** Whether a socket listens on {@code port} ({@code tcp} or {@code udp}) on any address. */
  boolean inUse(int port, String protocol) {
    String flag = "udp".equalsIgnoreCase(protocol) ? "--udp" : "--tcp";
    return listens(runner.check("ss", "-H", "-l", "-n", flag).stdout(), port);
  }

  /** Whether {@code ss -Hln} output has a socket bound to {@code port} on any address. */
  static boolean listens(String ssOutput, int port) {
    for (String line : ssOutput.split("\n")) {
      String[] fields = line.strip().split("\\s+");
      // State Recv-Q Send-Q Local-Address:Port Peer-Address:Port [Process]
      if (fields.length >= 5 && fields[3].endsWith(":" + port)) {
        return true;
      }
    }
    return false;
  }
}
