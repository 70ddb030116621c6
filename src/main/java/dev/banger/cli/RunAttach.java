package dev.banger.cli;

import dev.banger.api.ApiClient;
import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.Terminal;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;

/**
 * {@code banger run -a}: the VM's console from its first byte until it stops, then the exit code
 * of its process, as {@code docker run} (without -d) does. With {@code -t} the local terminal is
 * raw and Ctrl-] detaches (as in {@code banger console}); with {@code -i} standard input goes to
 * the process and its end is the process's end of input. With {@code --rm} the daemon removes the
 * VM as it stops and keeps its last output and exit code for a minute, which is where the end of
 * the session comes from.
 */
final class RunAttach {
  private RunAttach() {}

  static int attach(ApiClient client, String name, boolean tty, boolean interactive) throws InterruptedException {
    String path = "/v1/vms/" + Show.path(name) + "/console";
    var in = interactive ? new FileInputStream(FileDescriptor.in) : null;
    var out = new FileOutputStream(FileDescriptor.out);
    ConsoleSession.Result result;
    try (Terminal terminal = tty && interactive ? Terminal.rawIfInteractive() : Terminal.none()) {
      // A new VM's console log starts with its boot: everything from byte 0 is this run's.
      result = new ConsoleSession(client, path, terminal.isRaw(), in, out, System.err, true).run(0);
    }
    return switch (result.end()) {
      case DETACHED -> {
        System.err.println(System.lineSeparator() + "banger: detached from VM '" + name + "'; it keeps running");
        yield 0;
      }
      case INPUT_ENDED -> 0;
      case VM_STOPPED -> ended(name, result);
    };
  }

  private static int ended(String name, ConsoleSession.Result result) {
    if (result.state().equals("error")) {
      String reason = result.error() == null ? "it failed" : result.error().lines().findFirst().orElse("it failed");
      // The process could not start (exit code 127, as a shell's "not found"), or the guest failed.
      System.err.println("banger: VM '" + name + "': " + reason);
      System.err.flush();
      return result.exitCode() == null ? 1 : result.exitCode();
    }
    if (result.exitCode() != null) {
      return result.exitCode();
    }
    if (result.state().equals("stopped")) {
      return 0;
    }
    throw new BangerException(ErrorKind.INTERNAL, "VM '" + name + "' ended " + result.state() + " without an exit code");
  }
}
