package dev.banger.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * The root command's subcommands, added to a command line lazily (issue 17): picocli builds a
 * command's model from its annotations by reflection, which for all nineteen commands and their
 * children was most of a CLI call's start-up. A command line that names a subcommand gets only
 * that one; anything else (no subcommand, help, a typo) gets them all, so usage and picocli's
 * "did you mean" stay complete.
 */
final class Subcommands {
  /** In the order `banger --help` lists them. */
  private static final Map<String, Supplier<Object>> ALL = new LinkedHashMap<>();

  static {
    ALL.put("create", VmCommands.Create::new);
    ALL.put("run", VmCommands.Run::new);
    ALL.put("start", VmCommands.Start::new);
    ALL.put("stop", VmCommands.Stop::new);
    ALL.put("restart", VmCommands.Restart::new);
    ALL.put("pause", SavedStateCommands.Pause::new);
    ALL.put("resume", SavedStateCommands.Resume::new);
    ALL.put("suspend", SavedStateCommands.Suspend::new);
    ALL.put("rm", VmCommands.Rm::new);
    ALL.put("ls", LsCommand::new);
    ALL.put("inspect", VmCommands.Inspect::new);
    ALL.put("logs", VmCommands.Logs::new);
    ALL.put("console", ConsoleCommand::new);
    ALL.put("ssh", AccessCommands.Ssh::new);
    ALL.put("exec", AccessCommands.Exec::new);
    ALL.put("cp", AccessCommands.Cp::new);
    ALL.put("image", ImageCommand::new);
    ALL.put("snapshot", SnapshotCommand::new);
    ALL.put("volume", VolumeCommand::new);
    ALL.put("kernel", KernelCommand::new);
    ALL.put("system", SystemCommand::new);
    ALL.put("events", EventsCommand::new);
    ALL.put("stats", StatsCommand::new);
    ALL.put("daemon", DaemonCommand::new);
    ALL.put("kubelet", KubeletCommand::new);
    ALL.put("doctor", DoctorCommand::new);
    ALL.put("version", VersionCommand::new);
  }

  private Subcommands() {}

  /** Adds to {@code root} the subcommand {@code args} names, or every subcommand when it names none. */
  static void add(CommandLine root, String... args) {
    Supplier<Object> named = ALL.get(named(args));
    if (named != null) {
      root.addSubcommand(named.get());
      return;
    }
    ALL.values().forEach(command -> root.addSubcommand(command.get()));
  }

  /** The first argument that is not a global option or its value, or null. */
  static String named(String... args) {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--socket") || arg.equals("--config")) {
        i++;
      } else if (!arg.startsWith("-")) {
        return arg;
      } else if (arg.equals("--")) {
        return null;
      }
    }
    return null;
  }
}
