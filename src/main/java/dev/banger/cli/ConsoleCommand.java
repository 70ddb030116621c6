package dev.banger.cli;

import dev.banger.error.BangerException;
import dev.banger.host.Terminal;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "console",
    mixinStandardHelpOptions = true,
    description = {
      "Attach to the serial console of a running VM.",
      "On a terminal every key goes to the guest (raw mode: Ctrl-C too); press Ctrl-] to detach, leaving the VM running.",
      "Without a terminal, standard input is sent to the guest until it ends; the command exits once the output has settled."
    })
final class ConsoleCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME") String name;

  @Override
  public Integer call() throws InterruptedException {
    var client = GlobalOptions.of(spec).client();
    String path = "/v1/vms/" + Show.path(name) + "/console";
    // Without an offset the daemon answers where the log ends now: the console starts there.
    Map<String, Object> now = client.getObject(path);
    String state = String.valueOf(now.get("state"));
    if (!state.equals("running")) {
      throw BangerException.precondition("VM '" + name + "' is " + state
          + "; its console works only while it runs: start it with `banger start " + name + "`");
    }
    long offset = ((Number) now.get("offset")).longValue();
    ConsoleSession.Result result;
    // Raw bytes both ways: the guest's output is not text for us to re-encode.
    var in = new FileInputStream(FileDescriptor.in);
    var out = new FileOutputStream(FileDescriptor.out);
    try (Terminal terminal = Terminal.rawIfInteractive()) {
      if (terminal.isRaw()) {
        System.err.print("Connected to the serial console of VM '" + name + "'. Press Ctrl-] to detach.\r\n");
        System.err.flush();
      }
      result = new ConsoleSession(client, path, terminal.isRaw(), in, out, System.err).run(offset);
    }
    switch (result.end()) {
      case DETACHED -> System.err.println(System.lineSeparator() + "banger: detached from VM '" + name + "'; it keeps running");
      case VM_STOPPED -> System.err.println(System.lineSeparator() + "banger: VM '" + name + "' is " + result.state() + "; console closed");
      case INPUT_ENDED -> { }
    }
    return 0;
  }
}
