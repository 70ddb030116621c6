package dev.banger.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a standard stream is a terminal. {@code System.console()} cannot answer this for stderr:
 * on Java 21 it is non-null only when stdin and stdout are both terminals (so {@code banger image
 * import … >out.json} would lose its progress, and {@code 2>log} would not), and from Java 22 it
 * may be non-null with no terminal at all, while {@code Console.isTerminal()} is not in Java 21's
 * API. Linux names what each descriptor refers to in {@code /proc/self/fd}: a terminal is a
 * pseudo-terminal ({@code /dev/pts/N}), a virtual or serial console ({@code /dev/ttyN},
 * {@code /dev/ttySN}) or {@code /dev/console}; pipes, files, sockets and {@code /dev/null} are not.
 */
final class TerminalProbe {
  private TerminalProbe() {}

  /** True when file descriptor {@code fd} of this process is a terminal; false when unknown. */
  static boolean isTerminal(int fd) {
    try {
      return isTerminalPath(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString());
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  static boolean isTerminalPath(String target) {
    return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
  }
}
