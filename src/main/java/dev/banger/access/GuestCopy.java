package dev.banger.access;

import dev.banger.error.BangerException;
import dev.banger.host.TerminalCommands;
import dev.banger.host.TreeFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code banger cp}: files and directories between the host and a guest, as tar streams over
 * ssh. Not scp: dropbear and busybox images have no sftp-server and often no scp, while any
 * image with a shell has tar. Like {@code cp -r}: onto an existing directory the source goes
 * inside it, otherwise it takes the destination's name. Each end unpacks into a temporary
 * directory beside the destination and renames, so a failed copy leaves no half-written file
 * under the destination's name. The host never runs tar on what a guest sent: a hostile guest
 * controls that stream, so it is checked member by member in Java.
 */
public final class GuestCopy {
  /** {@code NAME:PATH} for a guest, where NAME is a VM name; anything else is a host path. */
  private static final Pattern GUEST = Pattern.compile("([a-z0-9][a-z0-9-]{0,62}):(.*)");

  /** One side of a copy: a host path, or a path in the guest {@code vm}. */
  public record Operand(String vm, String path) {
    public boolean isGuest() {
      return vm != null;
    }
  }

  /**
   * Parses an operand. A host path that looks like {@code NAME:PATH} can be written {@code
   * ./NAME:PATH}; a relative guest path is relative to root's home directory.
   */
  public static Operand parse(String text) {
    Matcher m = GUEST.matcher(text);
    if (m.matches()) {
      if (m.group(2).isEmpty()) {
        throw BangerException.invalid("'" + text + "' names no path in VM '" + m.group(1) + "'; write " + m.group(1) + ":/path");
      }
      return new Operand(m.group(1), m.group(2));
    }
    if (text.isEmpty()) {
      throw BangerException.invalid("an empty path cannot be copied");
    }
    return new Operand(null, text);
  }

  // Runs in the guest with the destination and the entry's name as $1 and $2 (sh -c SCRIPT sh DST NAME).
  static final String UNPACK = """
      set -e
      dst=$1 name=$2
      if [ -d "$dst" ]; then exec tar -xf - -C "$dst"; fi
      tmp=$(mktemp -d "$(dirname "$dst")/.banger-cp.XXXXXX")
      trap 'rm -rf "$tmp"' EXIT
      tar -xf - -C "$tmp"
      mv -f "$tmp/$name" "$dst"
      """;
  // Runs in the guest with the source as $1; "./" keeps a name starting with '-' from being an option.
  static final String PACK = """
      set -e
      cd "$(dirname "$1")"
      exec tar -cf - "./$(basename "$1")"
      """;

  /**
   * Runs a command in the guest and hands its standard output to a reader in this process: ssh
   * in production ({@link TerminalCommands#readOutput}), a fake in tests.
   */
  @FunctionalInterface
  interface Transport {
    int run(List<String> argv, TerminalCommands.OutputReader reader) throws IOException, InterruptedException;
  }

  /**
   * The guest end of a copy: runs an argv ({@code sh -c SCRIPT sh ARGS…}) in the guest, over ssh
   * or through banger's guest agent (issue 14). The script needs the image's sh and tar either way.
   */
  public interface Guest {
    /** Runs {@code argv} in the guest, its stdout handed to {@code reader}; returns its exit code. */
    int read(List<String> argv, TerminalCommands.OutputReader reader) throws IOException, InterruptedException;

    /** Runs {@code argv} in the guest with {@code stdin} as its standard input; returns its exit code. */
    int write(List<String> argv, java.io.InputStream stdin) throws IOException, InterruptedException;
  }

  private final Guest guest;
  private final Consumer<String> warnings;

  public GuestCopy(SshArgs ssh) {
    this(ssh, TerminalCommands::readOutput, message -> System.err.println("warning: " + message));
  }

  GuestCopy(SshArgs ssh, Transport transport, Consumer<String> warnings) {
    this(new Guest() {
      @Override
      public int read(List<String> argv, TerminalCommands.OutputReader reader) throws IOException, InterruptedException {
        return transport.run(ssh.remote(ShellQuote.join(argv)), reader);
      }

      @Override
      public int write(List<String> argv, java.io.InputStream stdin) throws IOException, InterruptedException {
        return TerminalCommands.writeInput(ssh.remote(ShellQuote.join(argv)), stdin);
      }
    }, warnings);
  }

  /** A copy whose guest end is {@code guest} (the CLI's agent transport). */
  public GuestCopy(Guest guest, Consumer<String> warnings) {
    this.guest = guest;
    this.warnings = warnings;
  }

  /** Host to guest; returns the exit code (0 when both tar and ssh succeeded). */
  public int push(Path source, String guestPath) throws IOException, InterruptedException {
    if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
      throw BangerException.notFound("no such file or directory on the host: " + source);
    }
    Path absolute = source.toAbsolutePath().normalize();
    if (absolute.getFileName() == null) {
      throw BangerException.invalid("cannot copy the host's root directory");
    }
    List<String> unpack = unpackArgv(guestPath, absolute.getFileName().toString());
    int[] guestExit = {0};
    int hostExit = TerminalCommands.readOutput(packLocal(absolute), in -> {
      try {
        guestExit[0] = guest.write(unpack, in);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    });
    return guestExit[0] != 0 ? guestExit[0] : hostExit;
  }

  /**
   * Guest to host; returns the exit code. The guest's tar stream is read here, by {@link
   * GuestTarUnpacker}, into a private directory beside the result (inside DST when DST is a
   * directory, else in DST's parent), and only the member asked for is renamed into place.
   */
  public int pull(String guestPath, Path destination) throws IOException, InterruptedException {
    String name = baseName(guestPath);
    if (name.isEmpty() || name.equals(".") || name.equals("..")) {
      throw BangerException.invalid("'" + guestPath + "' does not name a file or directory to copy; name it, e.g. /etc or /root/file");
    }
    boolean into = Files.isDirectory(destination);
    Path target = into ? destination.resolve(name) : destination;
    Path stagingParent = into ? destination : destination.toAbsolutePath().normalize().getParent();
    if (stagingParent == null || !Files.isDirectory(stagingParent)) {
      throw BangerException.notFound("the directory to copy into does not exist: " + stagingParent);
    }
    Path staging = Files.createTempDirectory(stagingParent, ".banger-cp-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      GuestTarUnpacker unpacker = new GuestTarUnpacker(staging, name, warnings);
      int exit = guest.read(packArgv(guestPath), unpacker::unpack);
      if (exit != 0) {
        return exit; // the guest's tar or ssh said why on stderr; nothing moves
      }
      unpacker.complete();
      try {
        Files.move(staging.resolve(name), target, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw BangerException.precondition("Tried to put " + guestPath + " at " + target + " but could not: " + e
            + " (a directory cannot replace a file or a non-empty directory)");
      }
      unpacker.finishTop(target);
      return 0;
    } finally {
      try {
        TreeFiles.deleteRecursively(staging);
      } catch (IOException e) {
        warnings.accept("could not remove the temporary directory " + staging + ": " + e.getMessage());
      }
    }
  }

  /** Host tar: owned by root in the guest (the user banger logs in as), whatever it is here. */
  static List<String> packLocal(Path absolute) {
    return List.of("tar", "-C", absolute.getParent().toString(), "--owner=0", "--group=0", "--numeric-owner",
        "-cf", "-", "--", absolute.getFileName().toString());
  }

  static List<String> unpackArgv(String guestPath, String name) {
    return List.of("sh", "-c", UNPACK, "sh", guestArg(guestPath), name);
  }

  static List<String> packArgv(String guestPath) {
    return List.of("sh", "-c", PACK, "sh", guestArg(guestPath));
  }

  static String unpackCommand(String guestPath, String name) {
    return ShellQuote.join(unpackArgv(guestPath, name));
  }

  static String packCommand(String guestPath) {
    return ShellQuote.join(packArgv(guestPath));
  }

  /** A relative guest path starts at root's home; "./" keeps one starting with '-' an operand. */
  private static String guestArg(String path) {
    return path.startsWith("/") ? path : "./" + path;
  }

  /** The last name of a path, as basename(1) sees it (trailing slashes ignored). */
  static String baseName(String path) {
    String p = path;
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p.equals("/") ? "" : p.substring(p.lastIndexOf('/') + 1);
  }
}
