package dev.banger.cli;

import picocli.CommandLine;

/** Entry point of both the CLI and the daemon ({@code banger daemon}). */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs one command line and returns its exit code: 0 success, 1 error, 2 usage error. */
  public static int run(String... args) {
    return commandLine(args).execute(args);
  }

  /** The command line for {@code args}: the root with the subcommand they name (or all of them). */
  static CommandLine commandLine(String... args) {
    CommandLine cli = new CommandLine(new BangerCommand());
    Subcommands.add(cli, args);
    cli.setExecutionExceptionHandler(new ErrorHandler());
    cli.setParameterExceptionHandler(new UsageErrorHandler());
    return cli;
  }
}
