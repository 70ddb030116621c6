package dev.banger.cli;

import dev.banger.api.Version;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(
    name = "version",
    mixinStandardHelpOptions = true,
    description = "Print the CLI's and the daemon's versions. 'banger --version' prints the CLI's alone, without a daemon.")
final class VersionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    Map<String, Object> daemon = GlobalOptions.of(spec).client().getObject("/v1/version");
    if (GlobalOptions.of(spec).json) {
      Map<String, Object> both = new LinkedHashMap<>();
      both.put("client", Version.current());
      both.put("daemon", daemon.get("version"));
      both.put("apiVersion", daemon.get("apiVersion"));
      Output.json(spec.commandLine().getOut(), both);
    } else {
      spec.commandLine().getOut().printf("client: %s%ndaemon: %s (API v%s)%n",
          Version.current(), daemon.get("version"), daemon.get("apiVersion"));
      spec.commandLine().getOut().flush();
    }
    return 0;
  }
}
