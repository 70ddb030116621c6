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
    description = "Print the CLI's and the daemon's versions; the CLI's also when the daemon cannot be reached (then exit 1)."
        + " 'banger --version' prints the CLI's alone.")
final class VersionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    boolean json = GlobalOptions.of(spec).json;
    var out = spec.commandLine().getOut();
    Map<String, Object> daemon;
    try {
      daemon = GlobalOptions.of(spec).client().getObject("/v1/version");
    } catch (RuntimeException e) {
      // As docker version: what the client knows first, then the usual one-line error (exit 1).
      if (json) {
        Output.json(out, Map.of("client", Version.current()));
      } else {
        out.printf("client: %s%n", Version.current());
        out.flush();
      }
      throw e;
    }
    if (json) {
      Map<String, Object> both = new LinkedHashMap<>();
      both.put("client", Version.current());
      both.put("daemon", daemon.get("version"));
      both.put("apiVersion", daemon.get("apiVersion"));
      Output.json(out, both);
    } else {
      out.printf("client: %s%ndaemon: %s (API v%s)%n", Version.current(), daemon.get("version"), daemon.get("apiVersion"));
      out.flush();
    }
    return 0;
  }
}
