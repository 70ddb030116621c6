package dev.banger.cli;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code banger pause|resume|suspend NAME…} (issue 16); {@code banger start} restores a suspended VM. */
final class SavedStateCommands {
  private SavedStateCommands() {}

  private static int post(CommandSpec spec, List<String> names, String action) {
    return VmCommands.each(spec, names,
        n -> GlobalOptions.of(spec).client().post("/v1/vms/" + Show.path(n) + "/" + action, Map.of()));
  }

  @Command(name = "pause", mixinStandardHelpOptions = true,
      description = "Freeze running VMs' vCPUs; they keep their memory, address and disk.")
  static final class Pause implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME", arity = "1..*") List<String> names;

    @Override
    public Integer call() {
      return post(spec, names, "pause");
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true, description = "Let paused VMs run again.")
  static final class Resume implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME", arity = "1..*") List<String> names;

    @Override
    public Integer call() {
      return post(spec, names, "resume");
    }
  }

  @Command(name = "suspend", mixinStandardHelpOptions = true,
      description = "Save VMs' memory and device state in their directory and end their VMM; `banger start` restores them.")
  static final class Suspend implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(paramLabel = "NAME", arity = "1..*") List<String> names;

    @Override
    public Integer call() {
      return post(spec, names, "suspend");
    }
  }
}
