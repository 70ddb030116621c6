package dev.banger.rootdisk;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Device-mapper through {@code dmsetup}. Existence is asked of the kernel ({@code dmsetup
 * info}), never inferred from /dev/mapper, whose nodes can outlive or lag their targets when udev
 * is absent or slow.
 */
final class DmSetup {
  /** Waits between remove attempts on a busy target: about 3 s in all before --deferred. */
  static final List<Duration> BACKOFF =
      List.of(Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400),
          Duration.ofMillis(800), Duration.ofMillis(1600));

  /** Sleeps between retries; tests substitute one that only counts. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  /** How a remove ended. */
  enum Removal {
    REMOVED,
    GONE,
    /** Still open: the kernel removes it on last close. */
    DEFERRED
  }

  /** Where a running udev daemon listens; without one, dmsetup must not wait for it. */
  static final Path UDEV_CONTROL = Path.of("/run/udev/control");

  private final CommandRunner runner;
  private final Sleeper sleeper;
  private final boolean udev;

  DmSetup(CommandRunner runner, Sleeper sleeper) {
    this(runner, sleeper, Files.exists(UDEV_CONTROL));
  }

  DmSetup(CommandRunner runner, Sleeper sleeper, boolean udev) {
    this.runner = Objects.requireNonNull(runner, "runner");
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    this.udev = udev;
  }

  /**
   * dmsetup with {@code --noudevsync} when no udev daemon runs (containers, minimal hosts):
   * otherwise it waits forever on a udev cookie nobody will release.
   */
  private Command dmsetup(String... args) {
    List<String> argv = new ArrayList<>(List.of("dmsetup"));
    argv.add(args[0]);
    if (!udev && (args[0].equals("create") || args[0].equals("remove"))) {
      argv.add("--noudevsync");
    }
    argv.addAll(List.of(args).subList(1, args.length));
    return Command.of(argv);
  }

  boolean exists(String name) {
    CommandResult result = runner.run(Command.of("dmsetup", "info", name));
    if (result.ok()) {
      return true;
    }
    if (result.stderr().contains("does not exist") || result.stdout().contains("does not exist")) {
      return false;
    }
    throw new BangerException(
        ErrorKind.UNAVAILABLE,
        "Tried to check device-mapper target " + name + " but `dmsetup info` failed: "
            + result.stderr().strip());
  }

  /**
   * Creates a target from a table (one line per segment), fed on stdin. A target over a
   * read-only device must itself be read-only: the kernel refuses to open it for writing.
   */
  void create(String name, String table, boolean readOnly) {
    Command create = readOnly ? dmsetup("create", "--readonly", name) : dmsetup("create", name);
    runner.check(create.withStdin(table));
    // Without udev, make sure the /dev/mapper node the VMM will open is there.
    runner.run(Command.of("dmsetup", "mknodes", name));
  }

  /** Every target name, or none when device-mapper reports no devices. */
  List<String> list() {
    String out = runner.check("dmsetup", "ls").stdout();
    List<String> names = new ArrayList<>();
    for (String line : out.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("No devices found")) {
        continue;
      }
      names.add(trimmed.split("\\s+")[0]);
    }
    return names;
  }

  /**
   * Removes a target: retries while it is busy (a VMM that just exited may still hold it for a
   * moment), then asks for deferred removal. A target that does not exist is success.
   */
  Removal remove(String name) {
    if (!exists(name)) {
      return Removal.GONE;
    }
    CommandResult last = null;
    for (int attempt = 0; attempt <= BACKOFF.size(); attempt++) {
      last = runner.run(dmsetup("remove", name));
      if (last.ok()) {
        return Removal.REMOVED;
      }
      if (!exists(name)) {
        return Removal.GONE;
      }
      if (!busy(last) || attempt == BACKOFF.size()) {
        break;
      }
      pause(BACKOFF.get(attempt));
    }
    if (busy(last)) {
      CommandResult deferred = runner.run(dmsetup("remove", "--deferred", name));
      if (deferred.ok() || !exists(name)) {
        return Removal.DEFERRED;
      }
      last = deferred;
    }
    throw new BangerException(
        ErrorKind.UNAVAILABLE,
        "Tried to remove device-mapper target " + name + " but `" + last.command().display()
            + "` failed: " + last.stderr().strip() + ". Check what holds it with `dmsetup info "
            + name + "`, stop it, and retry.");
  }

  private static boolean busy(CommandResult result) {
    return result.stderr().contains("busy");
  }

  private void pause(Duration duration) {
    try {
      sleeper.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BangerException(ErrorKind.UNAVAILABLE, "interrupted while removing a device-mapper target", e);
    }
  }
}
