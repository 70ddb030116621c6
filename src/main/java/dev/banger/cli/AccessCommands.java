package dev.banger.cli;

import dev.banger.access.GuestCopy;
import dev.banger.access.SshArgs;
import dev.banger.access.SshProbe;
import dev.banger.access.Target;
import dev.banger.agent.ExecSpec;
import dev.banger.api.ApiClient;
import dev.banger.error.BangerException;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.host.Terminal;
import dev.banger.host.TerminalCommands;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Guest access (issue 8): ssh, exec and cp through the system ssh client. Each asks the daemon
 * how to reach the VM, waits for its ssh server, then hands the terminal to ssh (and tar).
 */
final class AccessCommands {
  private AccessCommands() {}

  /** Options shared by the three commands. */
  static final class WaitOption {
    @Option(names = "--timeout", defaultValue = "60", paramLabel = "SECONDS",
        description = "How long to wait for the guest's agent or ssh server to answer (default ${DEFAULT-VALUE}).")
    long timeout;
  }

  /** Asks the daemon for the VM's address and waits until its ssh server lets banger in. */
  static SshArgs connect(CommandSpec spec, String vm, long timeoutSeconds) throws InterruptedException {
    if (timeoutSeconds < 1) {
      throw BangerException.invalid("--timeout must be at least 1 second");
    }
    ApiClient client = GlobalOptions.of(spec).client();
    String path = "/v1/vms/" + Show.path(vm) + "/ssh";
    SshArgs args = new SshArgs(Target.fromJson(client.getObject(path)).checkReachable());
    new SshProbe(args, new ProcessCommandRunner()).await(Duration.ofSeconds(timeoutSeconds),
        () -> String.valueOf(client.getObject(path).get("state")));
    return args;
  }

  @Command(name = "ssh", mixinStandardHelpOptions = true,
      description = {"Log in to a VM as root with the system ssh client, or run CMD there (the guest's shell parses it, as with ssh).",
          "Needs a VM created with --ssh or --ssh-key and an image that runs an ssh server."})
  static final class Ssh implements Callable<Integer> {
    @Spec CommandSpec spec;
    @picocli.CommandLine.Mixin WaitOption wait;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Parameters(index = "1..*", paramLabel = "CMD", description = "Command line to run instead of a login shell (after --).") List<String> command;

    @Override
    public Integer call() throws InterruptedException {
      SshArgs args = connect(spec, name, wait.timeout);
      return TerminalCommands.interactive(args.interactive(command == null ? List.of() : command));
    }
  }

  @Command(name = "exec", mixinStandardHelpOptions = true,
      description = {"Run CMD in a VM (its arguments exactly as given), streaming stdout and stderr; exits with CMD's exit code.",
          "Through banger's guest agent where the VM has one (runtime.access: agent; container mode, and image mode unless"
              + " the agent could not start), else over ssh."})
  static final class Exec implements Callable<Integer> {
    @Spec CommandSpec spec;
    @picocli.CommandLine.Mixin WaitOption wait;
    @Option(names = {"-i", "--interactive"}, description = "Send standard input to CMD (agent only; ssh always does).") boolean interactive;
    @Option(names = {"-t", "--tty"}, description = "Run CMD on a terminal of its own (agent only).") boolean tty;
    @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "Set an environment variable (agent only).") List<String> env;
    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "Working directory (agent only).") String workdir;
    @Option(names = {"-u", "--user"}, paramLabel = "USER[:GROUP]", description = "Run as this user (agent only).") String user;
    @Option(names = "--ssh", description = "Go over ssh even where the VM has the guest agent (a guest that also runs sshd).") boolean ssh;
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "The command and its arguments (after --).") List<String> command;

    @Override
    public Integer call() throws InterruptedException {
      ApiClient client = GlobalOptions.of(spec).client();
      if (!ssh && AgentAccess.viaAgent(client, name)) {
        if (wait.timeout < 1) {
          throw BangerException.invalid("--timeout must be at least 1 second");
        }
        int[] size = tty ? Terminal.size() : new int[] {0, 0};
        ExecSpec exec = new ExecSpec(command, env == null ? List.of() : env, workdir, user, interactive, tty, size[0], size[1]);
        return AgentExec.run(client, name, exec, wait.timeout);
      }
      if (tty || env != null || workdir != null || user != null) {
        throw BangerException.invalid("-t, -e, -w and -u need the guest agent, and VM '" + name + "' is reached over ssh"
            + " (runtime.access in `banger inspect`)");
      }
      SshArgs args = connect(spec, name, wait.timeout);
      return TerminalCommands.interactive(args.exec(command));
    }
  }

  @Command(name = "cp", mixinStandardHelpOptions = true,
      description = {"Copy files or directories between the host and a VM: banger cp SRC NAME:PATH, or banger cp NAME:PATH DST.",
          "Onto an existing directory the source goes inside it; otherwise it takes DST's name. Uses the image's tar, through the guest agent or over ssh."})
  static final class Cp implements Callable<Integer> {
    @Spec CommandSpec spec;
    @picocli.CommandLine.Mixin WaitOption wait;
    @Option(names = "--ssh", description = "Go over ssh even where the VM has the guest agent (a guest that also runs sshd).") boolean ssh;
    @Parameters(index = "0", paramLabel = "SRC") String source;
    @Parameters(index = "1", paramLabel = "DST") String destination;

    @Override
    public Integer call() throws Exception {
      GuestCopy.Operand from = GuestCopy.parse(source);
      GuestCopy.Operand to = GuestCopy.parse(destination);
      if (from.isGuest() == to.isGuest()) {
        throw BangerException.invalid("exactly one of SRC and DST must be NAME:PATH in a VM (the other a host path), got '"
            + source + "' and '" + destination + "'");
      }
      String vm = from.isGuest() ? from.vm() : to.vm();
      ApiClient client = GlobalOptions.of(spec).client();
      GuestCopy copy = !ssh && AgentAccess.viaAgent(client, vm)
          ? new GuestCopy(new AgentCopyGuest(client, vm, wait.timeout), message -> System.err.println("warning: " + message))
          : new GuestCopy(connect(spec, vm, wait.timeout));
      return from.isGuest() ? copy.pull(from.path(), Path.of(to.path())) : copy.push(Path.of(from.path()), to.path());
    }
  }
}
