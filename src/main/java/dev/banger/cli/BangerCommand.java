package dev.banger.cli;

import dev.banger.api.Version;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Mixin;

// Subcommands are added by Subcommands, only the one a command line names (issue 17).
@Command(
    name = "banger",
    mixinStandardHelpOptions = true,
    versionProvider = BangerCommand.VersionProvider.class,
    description = "Runs container images and root filesystems as microVMs.%n"
        + "Every command except 'daemon' and 'doctor' talks to the daemon over its Unix socket.",
    showDefaultValues = true)
final class BangerCommand implements Runnable {
  @Mixin GlobalOptions global;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"banger " + Version.current()};
    }
  }
}
