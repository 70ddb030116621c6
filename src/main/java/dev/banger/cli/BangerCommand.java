package dev.banger.cli;

import dev.banger.api.Version;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Mixin;

@Command(
    name = "banger",
    mixinStandardHelpOptions = true,
    versionProvider = BangerCommand.VersionProvider.class,
    description = "Runs container images and root filesystems as microVMs.%n"
        + "Every command except 'daemon' and 'doctor' talks to the daemon over its Unix socket.",
    subcommands = {
      VmCommands.Create.class, VmCommands.Run.class, VmCommands.Start.class, VmCommands.Stop.class,
      VmCommands.Restart.class, VmCommands.Rm.class, LsCommand.class, VmCommands.Inspect.class, VmCommands.Logs.class,
      ConsoleCommand.class, AccessCommands.Ssh.class, AccessCommands.Exec.class, AccessCommands.Cp.class,
      ImageCommand.class, VolumeCommand.class, KernelCommand.class, SystemCommand.class, EventsCommand.class, StatsCommand.class, DaemonCommand.class, DoctorCommand.class, VersionCommand.class},
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
