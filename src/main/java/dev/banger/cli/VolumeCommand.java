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

@Command(
    name = "volume",
    mixinStandardHelpOptions = true,
    description = "Create, list, inspect and remove volumes: ext4 disks that outlive VMs, attached with `-v NAME:/path` on create/run.",
    subcommands = {VolumeCommand.Create.class, VolumeCommand.Ls.class, VolumeCommand.Inspect.class, VolumeCommand.Rm.class})
final class VolumeCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Make an empty ext4 volume, labelled NAME (an image-mode guest finds it as /dev/disk/by-label/NAME).")
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NAME", description = "1-16 of letters, digits, '_', '.', '-'.") String name;
    @Option(names = "--size", required = true, paramLabel = "SIZE", converter = Sizes.class,
        description = "Its size (e.g. 1G), at least 16M; the file is sparse, but the size must fit the free space.") Long size;

    @Override
    public Integer call() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("name", name);
      body.put("sizeBytes", size);
      Object created = GlobalOptions.of(spec).client().post("/v1/volumes", body);
      spec.commandLine().getOut().println(created instanceof Map<?, ?> m ? Output.text(m.get("name")) : name);
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(name = "ls", mixinStandardHelpOptions = true, description = "List volumes and the VMs that use them.")
  static final class Ls implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      List<Map<String, Object>> volumes = GlobalOptions.of(spec).client().getList("/v1/volumes");
      if (GlobalOptions.of(spec).json) {
        Output.json(spec.commandLine().getOut(), volumes);
        return 0;
      }
      Output.table(spec.commandLine().getOut(), List.of("NAME", "SIZE", "USED BY", "ATTACHED TO", "CREATED"),
          volumes.stream().map(v -> List.of(Output.text(v.get("name")), Show.mib(v.get("sizeBytes")), names(v.get("usedBy")),
              names(v.get("attachedTo")), Output.text(v.get("createdAt")))).toList());
      return 0;
    }

    private static String names(Object list) {
      return list instanceof List<?> l && !l.isEmpty() ? String.join(",", l.stream().map(Output::text).toList()) : "-";
    }
  }

  @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Show a volume as JSON.")
  static final class Inspect implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Override
    public Integer call() {
      Output.json(spec.commandLine().getOut(), GlobalOptions.of(spec).client().get("/v1/volumes/" + Show.path(name)));
      return 0;
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove volumes and their data (refused while a VM uses one).")
  static final class Rm implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME", arity = "1..*") List<String> names;

    @Override
    public Integer call() {
      for (String n : names) {
        GlobalOptions.of(spec).client().delete("/v1/volumes/" + Show.path(n));
        spec.commandLine().getOut().println(n);
      }
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
