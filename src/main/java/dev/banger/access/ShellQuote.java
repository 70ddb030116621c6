package dev.banger.access;

import java.util.List;
import java.util.stream.Collectors;

/**
 * POSIX shell quoting. ssh hands the remote side one command line, which the guest user's shell
 * parses again; quoting every argument keeps {@code banger exec NAME -- sh -c 'a; b'} the exact
 * argument vector the user typed, whatever shell the image has (busybox ash, dash, bash).
 */
final class ShellQuote {
  private ShellQuote() {}

  /** {@code 'text'}, with each {@code '} written as {@code '\''}. */
  static String quote(String text) {
    return "'" + text.replace("'", "'\\''") + "'";
  }

  static String join(List<String> argv) {
    return argv.stream().map(ShellQuote::quote).collect(Collectors.joining(" "));
  }
}
