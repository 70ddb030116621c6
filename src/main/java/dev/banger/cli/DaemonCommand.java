package dev.banger.cli;

import dev.banger.config.Config;
import dev.banger.config.Settings;
import dev.banger.daemon.DaemonMain;
import dev.banger.daemon.DaemonOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(
    name = "daemon",
    mixinStandardHelpOptions = true,
    description = {
      "Run the banger daemon in the foreground. It owns all host resources and serves the API.",
      "Each option can also come from an environment variable or the config file; precedence is flag > env > file > default.",
      "SIGTERM or SIGINT stop the daemon cleanly; running VMs keep running and are adopted by the next daemon."
    })
final class DaemonCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--state-dir", paramLabel = "DIR", description = "State directory (env BANGER_STATE_DIR, config key 'stateDir', default /var/lib/banger).")
  String stateDir;

  @Override
  public Integer call() throws Exception {
    Config config = GlobalOptions.of(spec).config();
    DaemonOptions options = new DaemonOptions(
        Path.of(config.get(Settings.STATE_DIR, stateDir)),
        Path.of(config.get(Settings.SOCKET, GlobalOptions.of(spec).socket)));
    return DaemonMain.run(options);
  }
}
