package dev.banger.host;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Copies a file (or a directory, as a tar stream) that a user names into a private file,
 * reading it <em>as that user</em>: {@code setpriv} drops to their uid, gid and groups (and so
 * every capability) before {@code cat} or {@code tar} opens the path. The kernel then checks
 * each path component with the user's own credentials, ACLs included, at the moment of the
 * open — nothing to re-implement and no window between a check and the use.
 */
public final class ReadAsUser {
  private static final Duration IDLE = Duration.ofSeconds(60);

  /** What the source was. */
  public enum Kind { FILE, DIRECTORY }

  private final CommandRunner runner;

  public ReadAsUser(CommandRunner runner) {
    this.runner = runner;
  }

  /**
   * Copies {@code source} into the new file {@code target} (mode 0600): a regular file byte for
   * byte, a directory as a tar of the named members.
   *
   * @param maxBytes the most the copy may take; a larger source is refused
   * @param directoryMembers what to carry of a directory; empty refuses a directory
   * @throws BangerException (permission denied) when the user cannot read it, (not found) when it
   *     does not exist for them, (invalid argument) when it is neither a file nor a directory
   */
  public Kind copy(UserAccount user, Path source, Path target, long maxBytes, List<String> directoryMembers) {
    Kind kind = kindOf(user, source);
    List<String> argv = new ArrayList<>(asUser(user));
    if (kind == Kind.FILE) {
      argv.addAll(List.of("cat", "--", source.toString()));
    } else if (directoryMembers.isEmpty()) {
      throw BangerException.invalid(source + " is a directory; a file is expected here");
    } else {
      argv.addAll(List.of("tar", "-C", source.toString(), "-cf", "-", "--"));
      argv.addAll(directoryMembers);
    }
    ProcessBuilder builder = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    builder.environment().clear();
    builder.environment().putAll(java.util.Map.of("PATH", "/usr/bin:/bin", "LC_ALL", "C"));
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw BangerException.precondition("cannot start `" + String.join(" ", argv) + "`: " + e.getMessage()
          + " (setpriv is in util-linux)");
    }
    java.util.concurrent.CompletableFuture<String> stderr = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try (InputStream err = process.getErrorStream()) {
        return new String(err.readNBytes(4096), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    }, r -> Thread.ofVirtual().start(r));
    long[] lastProgress = {System.nanoTime()};
    Thread watchdog = Thread.ofVirtual().name("read-as-user").start(() -> {
      // A FIFO or a device swapped in after the type check would block or never end: stop it.
      while (process.isAlive()) {
        if (System.nanoTime() - lastProgress[0] > IDLE.toNanos()) {
          process.destroyForcibly();
          return;
        }
        try {
          Thread.sleep(500);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    long copied = 0;
    try (InputStream in = process.getInputStream();
        OutputStream out = Files.newOutputStream(Files.createFile(target,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))), StandardOpenOption.WRITE)) {
      byte[] buffer = new byte[256 * 1024];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        copied += n;
        if (copied > maxBytes) {
          process.destroyForcibly();
          throw BangerException.invalid(source + " is larger than the " + maxBytes + " bytes an import may take here"
              + " (the state directory's free space)");
        }
        out.write(buffer, 0, n);
        lastProgress[0] = System.nanoTime();
      }
      int code = process.waitFor();
      if (code != 0) {
        throw new BangerException(ErrorKind.PERMISSION_DENIED, "cannot read " + source + " as " + user + ": "
            + firstLine(stderr.join(), "exit code " + code));
      }
      return kind;
    } catch (IOException e) {
      throw BangerException.internal("cannot copy " + source + " read as " + user + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BangerException(ErrorKind.UNAVAILABLE, "interrupted while reading " + source, e);
    } finally {
      process.destroyForcibly();
      watchdog.interrupt();
    }
  }

  /** The type of {@code source} as the user sees it (following links, as their own open would). */
  private Kind kindOf(UserAccount user, Path source) {
    List<String> argv = new ArrayList<>(asUser(user));
    argv.addAll(List.of("stat", "-L", "--format=%F", "--", source.toString()));
    CommandResult stat = runner.run(Command.of(argv).withEnv(java.util.Map.of("LC_ALL", "C")));
    if (!stat.ok()) {
      String why = firstLine(stat.stderr(), "exit code " + stat.exitCode());
      ErrorKind kind = why.contains("No such file") ? ErrorKind.NOT_FOUND : ErrorKind.PERMISSION_DENIED;
      throw new BangerException(kind, "cannot read " + source + " as " + user + ": " + why);
    }
    return switch (stat.stdout().strip()) {
      case "regular file", "regular empty file" -> Kind.FILE;
      case "directory" -> Kind.DIRECTORY;
      default -> throw BangerException.invalid(source + " is a " + stat.stdout().strip() + "; only a regular file or a"
          + " directory can be imported");
    };
  }

  /** setpriv's prefix: the user's uid, gid and groups, no new privileges. */
  static List<String> asUser(UserAccount user) {
    List<String> argv = new ArrayList<>(List.of("setpriv", "--reuid=" + user.uid(), "--regid=" + user.gid()));
    argv.add(user.groups().isEmpty() ? "--clear-groups"
        : "--groups=" + user.groups().stream().map(String::valueOf).collect(Collectors.joining(",")));
    argv.addAll(List.of("--inh-caps=-all", "--no-new-privs", "--"));
    return argv;
  }

  private static String firstLine(String text, String otherwise) {
    String line = text.strip().lines().findFirst().orElse("");
    return line.isEmpty() ? otherwise : line;
  }
}
