package dev.banger.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Registry credentials for {@code banger image pull}, kept off the command line (issue 15: argv
 * is readable by every local user through {@code ps} and {@code /proc}). Like {@code docker login
 * --password-stdin}: {@code USER:PASS} comes from stdin ({@code --creds-stdin}), a file ({@code
 * --creds-file FILE}), or the environment ({@code BANGER_REGISTRY_CREDS}); the first line counts,
 * without its line ending.
 */
final class RegistryCreds {
  static final String ENV = "BANGER_REGISTRY_CREDS";
  /** Credentials are one short line; a larger input is a mistake (the wrong file). */
  private static final int MAX_BYTES = 64 << 10;

  /** User name and password. */
  record UserPass(String user, String password) {}

  private RegistryCreds() {}

  /**
   * The credentials the options name, or empty for none (the daemon then uses its docker config).
   *
   * @throws IllegalArgumentException with a message for the user when they are malformed or the
   *     options conflict
   */
  static Optional<UserPass> read(boolean fromStdin, Path file, InputStream stdin, Map<String, String> env)
      throws IOException {
    if (fromStdin && file != null) {
      throw new IllegalArgumentException("--creds-stdin and --creds-file are mutually exclusive");
    }
    String text;
    String where;
    if (fromStdin) {
      text = firstLine(stdin.readNBytes(MAX_BYTES + 1));
      where = "stdin";
    } else if (file != null) {
      try (InputStream in = Files.newInputStream(file)) {
        text = firstLine(in.readNBytes(MAX_BYTES + 1));
      }
      where = file.toString();
    } else if (env.get(ENV) != null && !env.get(ENV).isEmpty()) {
      text = env.get(ENV);
      where = ENV;
    } else {
      return Optional.empty();
    }
    int colon = text.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("the credentials from " + where + " must be USER:PASS");
    }
    return Optional.of(new UserPass(text.substring(0, colon), text.substring(colon + 1)));
  }

  private static String firstLine(byte[] bytes) {
    if (bytes.length > MAX_BYTES) {
      throw new IllegalArgumentException("the credentials input is larger than " + MAX_BYTES + " bytes; expected one USER:PASS line");
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    int end = text.indexOf('\n');
    String line = end < 0 ? text : text.substring(0, end);
    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
  }
}
