package dev.banger.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "system", mixinStandardHelpOptions = true, description = "Daemon maintenance.",
    subcommands = {SystemCommand.Reconcile.class, SystemDiskCommands.Df.class, SystemDiskCommands.Prune.class})
final class SystemCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "reconcile", mixinStandardHelpOptions = true,
      description = "Check every VM against the host now: adopt running ones, tear down stale ones, sweep orphaned taps, loops, dm targets and VMM processes.")
  static final class Reconcile implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      Map<String, Object> report = GlobalOptions.of(spec).client().getObject("/v1/system/reconcile", "POST");
      PrintWriter out = spec.commandLine().getOut();
      if (GlobalOptions.of(spec).json) {
        Output.json(out, report);
        return 0;
      }
      out.printf("checked %s VM(s)%n", report.get("checked"));
      for (String key : List.of("adopted", "stopped", "swept", "failures")) {
        Object items = report.get(key);
        if (items instanceof List<?> list && !list.isEmpty()) {
          out.printf("%s: %s%n", key, String.join(", ", list.stream().map(String::valueOf).toList()));
        }
      }
      out.flush();
      return report.get("failures") instanceof List<?> f && !f.isEmpty() ? 1 : 0;
    }
  }
}
