package dev.banger.cli;

import dev.banger.api.ApiClient;
import dev.banger.config.Config;
import dev.banger.config.Settings;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Options every command accepts. */
final class GlobalOptions {
  @Option(
      names = "--socket",
      scope = ScopeType.INHERIT,
      paramLabel = "PATH",
      description = "Daemon API socket (env BANGER_SOCKET, config key 'socket', default /run/banger/banger.sock).")
  String socket;

  @Option(
      names = "--config",
      scope = ScopeType.INHERIT,
      paramLabel = "FILE",
      description = "Config file (env BANGER_CONFIG, default " + Settings.DEFAULT_CONFIG + "; a missing default file is fine).")
  String config;

  @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print machine-readable JSON.")
  boolean json;

  /** The global options of the command line that {@code spec} belongs to (they live on the root). */
  static GlobalOptions of(CommandSpec spec) {
    return ((BangerCommand) spec.root().userObject()).global;
  }

  Config config() {
    return Config.load(config, System.getenv());
  }

  Path socketPath() {
    return Path.of(config().get(Settings.SOCKET, socket));
  }

  ApiClient client() {
    return new ApiClient(socketPath());
  }
}
