package dev.banger.network;

import dev.banger.host.CommandRunner;

/** Which host ports a listening socket holds in the network's namespace ({@code ss}), for port forwards. */
final class HostPorts {
  private final CommandRunner runner;

  HostPorts(CommandRunner runner) {
    this.runner = runner;
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
