package dev.banger.cli;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The VM lifecycle commands: create, run, start, stop, restart, rm, inspect, logs. */
final class VmCommands {
  private VmCommands() {}

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a VM (does not start it).")
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;
    @picocli.CommandLine.Mixin CreateOptions options;

    @Override
    public Integer call() {
      return Show.object(spec, GlobalOptions.of(spec).client().post("/v1/vms", options.body(spec)));
    }
  }

  @Command(name = "run", mixinStandardHelpOptions = true, description = "Create and start a VM.")
  static final class Run implements Callable<Integer> {
    @Spec CommandSpec spec;
    @picocli.CommandLine.Mixin CreateOptions options;
    @Option(names = "--rm", description = "Delete the VM once it stops (also when it fails to start).") boolean rm;
    @Option(names = {"-a", "--attach"}, description = "Stream the console until the VM stops and exit with its process's code"
        + " (implied by -i, which sends standard input, and -t, which makes it a terminal; Ctrl-] detaches).") boolean attach;
    @Option(names = "--snapshot", paramLabel = "SNAP", description = "Make the VM a clone of snapshot SNAP, started from its"
        + " saved state with its own disk, MAC, address and host name (no IMAGE or other settings: they are the snapshot's).")
    String snapshot;

    @Override
    public Integer call() throws InterruptedException {
      var client = GlobalOptions.of(spec).client();
      if (snapshot != null) {
        return SnapshotCommand.runClone(spec, snapshot, options.name, options.image != null || options.args != null || rm || attach);
      }
      Map<String, Object> body = options.body(spec);
      body.put("autoRemove", rm);
      client.post("/v1/vms", body);
      Object started;
      try {
        started = client.post("/v1/vms/" + Show.path(options.name) + "/start", Map.of());
      } catch (RuntimeException e) {
        if (rm) {
          try {
            client.delete("/v1/vms/" + Show.path(options.name) + "?force=true");
          } catch (dev.banger.error.BangerException gone) {
            // Already removed (the daemon removes a failed --rm VM too): the start's error is the one to show.
          }
        }
        throw e;
      }
      // -i and -t only make sense attached: `banger run -it --rm IMAGE sh` is a shell, as with docker.
      boolean attached = attach || options.tty || options.interactive;
      return attached ? RunAttach.attach(client, options.name, options.tty, options.interactive) : Show.object(spec, started);
    }
  }

  @Command(name = "start", mixinStandardHelpOptions = true, description = "Start VMs.")
  static final class Start implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME", arity = "1..*") List<String> names;

    @Override
    public Integer call() {
      return each(spec, names, n -> GlobalOptions.of(spec).client().post("/v1/vms/" + Show.path(n) + "/start", Map.of()));
    }
  }

  @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop VMs: Ctrl-Alt-Del, then SIGKILL after the timeout.")
  static final class Stop implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME", arity = "1..*") List<String> names;
    @Option(names = "--timeout", defaultValue = "10", paramLabel = "SECONDS", description = "Grace period before SIGKILL (default ${DEFAULT-VALUE}).") long timeout;
    @Option(names = "--force", description = "SIGKILL at once.") boolean force;

    @Override
    public Integer call() {
      return each(spec, names, n -> GlobalOptions.of(spec).client().post("/v1/vms/" + Show.path(n) + "/stop",
          Map.of("timeoutSeconds", timeout, "force", force)));
    }
  }

  @Command(name = "restart", mixinStandardHelpOptions = true, description = "Stop and start VMs.")
  static final class Restart implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME", arity = "1..*") List<String> names;

    @Override
    public Integer call() {
      return each(spec, names, n -> GlobalOptions.of(spec).client().post("/v1/vms/" + Show.path(n) + "/restart", Map.of()));
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true, description = "Delete VMs and their disks.")
  static final class Rm implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME", arity = "1..*") List<String> names;
    @Option(names = {"-f", "--force"}, description = "Stop running VMs first.") boolean force;

    @Override
    public Integer call() {
      return each(spec, names, n -> {
        GlobalOptions.of(spec).client().delete("/v1/vms/" + Show.path(n) + (force ? "?force=true" : ""));
        return Map.of("name", n);
      });
    }
  }

  @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Show a VM as JSON: spec, runtime, live handles.")
  static final class Inspect implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Override
    public Integer call() {
      Output.json(spec.commandLine().getOut(), GlobalOptions.of(spec).client().get("/v1/vms/" + Show.path(name)));
      return 0;
    }
  }

  @Command(name = "logs", mixinStandardHelpOptions = true, description = "Print a VM's serial console log.")
  static final class Logs implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Option(names = {"-f", "--follow"}, description = "Keep printing new output until interrupted (Ctrl-C) or the VM is deleted.") boolean follow;

    @Override
    public Integer call() throws InterruptedException {
      var client = GlobalOptions.of(spec).client();
      long offset = 0;
      while (true) {
        Map<String, Object> chunk = client.getObject("/v1/vms/" + Show.path(name) + "/logs?offset=" + offset);
        String text = String.valueOf(chunk.get("log"));
        spec.commandLine().getOut().print(text);
        spec.commandLine().getOut().flush();
        offset = ((Number) chunk.get("offset")).longValue();
        if (!follow) {
          return 0;
        }
        if (text.isEmpty()) {
          Thread.sleep(250);
        }
      }
    }
  }

  /** Runs {@code action} for every name, prints each result, and fails (exit 1) if any failed. */
  static int each(CommandSpec spec, List<String> names, java.util.function.Function<String, Object> action) {
    int failed = 0;
    for (String n : names) {
      try {
        Show.object(spec, action.apply(n));
      } catch (dev.banger.error.BangerException e) {
        if (names.size() == 1) {
          throw e;
        }
        spec.commandLine().getErr().println("banger: " + n + ": " + dev.banger.error.Printable.escape(e.getMessage()));
        failed++;
      }
    }
    spec.commandLine().getErr().flush();
    return failed == 0 ? 0 : 1;
  }
}
