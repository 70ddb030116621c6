package dev.banger.cli;

import dev.banger.error.BangerException;
import dev.banger.error.Printable;
import dev.banger.http.SocketUnreachableException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/** Turns a failed command into one clear line on stderr and exit code 1. */
final class ErrorHandler implements IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parseResult) {
    String message;
    if (e instanceof SocketUnreachableException unreachable) {
      message = "cannot reach the banger daemon at " + unreachable.socket()
          + " (" + rootReason(unreachable) + "); start it with `banger daemon` (or `systemctl start banger`),"
          + " or point --socket / BANGER_SOCKET at the right socket";
    } else if (e instanceof BangerException banger) {
      message = banger.getMessage();
    } else {
      message = "internal error: " + e;
    }
    // A start failure carries the guest's console tail: never let it drive the terminal.
    cmd.getErr().println("banger: " + Printable.escape(message));
    cmd.getErr().flush();
    return 1;
  }

  private static String rootReason(Throwable e) {
    Throwable cause = e.getCause() == null ? e : e.getCause();
    String text = String.valueOf(cause.getMessage());
    if (cause instanceof java.net.SocketException && text.contains("No such file")) {
      return "no such socket";
    }
    return text;
  }
}
