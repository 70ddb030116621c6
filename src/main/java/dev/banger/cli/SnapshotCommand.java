package dev.banger.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code banger snapshot create|ls|inspect|rm} (issue 16); {@code banger run --snapshot SNAP --name CLONE} clones one. */
@Command(
    name = "snapshot",
    mixinStandardHelpOptions = true,
    description = "Take, list, inspect and remove snapshots: templates that `banger run --snapshot SNAP --name CLONE` clones.",
    subcommands = {SnapshotCommand.Create.class, SnapshotCommand.Ls.class, SnapshotCommand.Inspect.class, SnapshotCommand.Rm.class})
final class SnapshotCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code banger run --snapshot SNAP --name CLONE}: only those two, as everything else is the snapshot's. */
  static int runClone(CommandSpec spec, String snapshot, String name, boolean moreGiven) {
    boolean settings = moreGiven || spec.commandLine().getParseResult().matchedOptions().stream()
        .anyMatch(o -> spec.mixins().get("options").options().contains(o) && !o.longestName().equals("--name"));
    if (settings) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--snapshot takes only --name: a clone has its"
          + " snapshot's image, kernel, command and settings (no IMAGE, ARG, --rm, --attach or other options)");
    }
    Object started = GlobalOptions.of(spec).client().post("/v1/snapshots/" + Show.path(snapshot) + "/clone", Map.of("name", name));
    return Show.object(spec, started);
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Save a running or paused container-mode VM's memory, devices and disk as snapshot SNAP; the VM carries on as it was.")
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "VM") String vm;
    @Option(names = "--name", required = true, paramLabel = "SNAP", description = "The snapshot's name: [a-z0-9][a-z0-9-]{0,62}.") String name;

    @Override
    public Integer call() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("vm", vm);
      body.put("name", name);
      GlobalOptions.of(spec).client().post("/v1/snapshots", body);
      spec.commandLine().getOut().println(name);
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(name = "ls", mixinStandardHelpOptions = true, description = "List snapshots.")
  static final class Ls implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      List<Map<String, Object>> snapshots = GlobalOptions.of(spec).client().getList("/v1/snapshots");
      if (GlobalOptions.of(spec).json) {
        Output.json(spec.commandLine().getOut(), snapshots);
        return 0;
      }
      Output.table(spec.commandLine().getOut(), List.of("NAME", "FROM VM", "IMAGE", "VMM", "SIZE", "CREATED"),
          snapshots.stream().map(s -> List.of(Output.text(s.get("name")), Output.text(s.get("sourceVm")), Output.text(s.get("image")),
              Output.text(s.get("vmm")), Show.mib(s.get("sizeBytes")), Output.text(s.get("createdAt")))).toList());
      return 0;
    }
  }

  @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Show a snapshot as JSON.")
  static final class Inspect implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "SNAP") String name;

    @Override
    public Integer call() {
      Output.json(spec.commandLine().getOut(), GlobalOptions.of(spec).client().get("/v1/snapshots/" + Show.path(name)));
      return 0;
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true,
      description = "Remove snapshots and their files (clones made from one keep running: they hold their own copies).")
  static final class Rm implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "SNAP", arity = "1..*") List<String> names;

    @Override
    public Integer call() {
      for (String n : names) {
        GlobalOptions.of(spec).client().delete("/v1/snapshots/" + Show.path(n));
        spec.commandLine().getOut().println(n);
      }
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
