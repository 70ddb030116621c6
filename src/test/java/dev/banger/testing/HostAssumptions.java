package dev.banger.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.host.Command;
import dev.banger.host.ProcessCommandRunner;

/** Skips, with the reason, tests that need a facility this machine lacks. */
public final class HostAssumptions {
  private HostAssumptions() {}

  public static void assumeRoot() {
    String user = System.getProperty("user.name");
    boolean root = "root".equals(user) || new ProcessCommandRunner().run(Command.of("id", "-u")).stdout().strip().equals("0");
    assumeTrue(root, "needs root (loop devices, network namespaces); running as " + user);
  }

  public static void assumeProgram(String program, String... versionArgs) {
    boolean present;
    try {
      String[] argv = new String[versionArgs.length + 1];
      argv[0] = program;
      System.arraycopy(versionArgs, 0, argv, 1, versionArgs.length);
      present = new ProcessCommandRunner().run(Command.of(argv)).ok();
    } catch (RuntimeException e) {
      present = false;
    }
    String pkg = switch (program) {
      case "nft" -> "nftables";
      case "ip" -> "iproute2";
      case "losetup" -> "util-linux";
      case "mke2fs" -> "e2fsprogs";
      case "qemu-system-x86_64" -> "qemu-system-x86";
      default -> program;
    };
    assumeTrue(present, "needs " + program + " installed (Debian: apt-get install -y " + pkg + ")");
  }
}
