package dev.banger.testing;

import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A stand-in for device-mapper on hosts without it: intercepts {@code dmsetup} commands, records
 * them, keeps a table per target, and checks each table as the kernel would (segment lines that
 * tile the device without gaps, known target types, devices that exist). Every other command goes
 * to the real runner, so loop devices stay real.
 */
public final class FakeDmsetup implements CommandRunner {
  private static final Pattern LINEAR = Pattern.compile("\\d+ \\d+ linear (\\S+) 0");
  private static final Pattern ZERO = Pattern.compile("\\d+ \\d+ zero");
  private static final Pattern SNAPSHOT = Pattern.compile("\\d+ \\d+ snapshot (\\S+) (\\S+) P (\\d+)");

  private final CommandRunner real;
  private final Map<String, String> targets = new LinkedHashMap<>();
  private final List<List<String>> calls = new ArrayList<>();
  private final Map<String, Integer> busyRemovals = new LinkedHashMap<>();
  private String failCreate;
  private String failRemove;

  public FakeDmsetup(CommandRunner real) {
    this.real = real;
  }

  /** The next {@code times} removes of {@code name} fail as busy. */
  public synchronized FakeDmsetup busy(String name, int times) {
    busyRemovals.put(name, times);
    return this;
  }

  /** Creating {@code name} fails (as a kernel without dm-snapshot would). */
  public synchronized FakeDmsetup failCreate(String name) {
    failCreate = name;
    return this;
  }

  /** Every remove of {@code name} fails with an error that is not "busy". */
  public synchronized FakeDmsetup failRemove(String name) {
    failRemove = name;
    return this;
  }

  /** Adds a target as if someone else had created it. */
  public synchronized void preexisting(String name, String table) {
    targets.put(name, table);
  }

  public synchronized Map<String, String> targets() {
    return Map.copyOf(targets);
  }

  public synchronized List<List<String>> calls() {
    return List.copyOf(calls);
  }

  @Override
  public synchronized CommandResult run(Command command) {
    if (!command.program().equals("dmsetup")) {
      return real.run(command);
    }
    List<String> all = command.argv().subList(1, command.argv().size());
    calls.add(all.stream().filter(a -> !a.equals("--noudevsync")).toList());
    boolean readOnly = all.contains("--readonly");
    List<String> args = all.stream().filter(a -> !a.equals("--noudevsync") && !a.equals("--readonly")).toList();
    return switch (args.get(0)) {
      case "version" -> ok(command, "Library version: fake\nDriver version: fake\n");
      case "info" -> targets.containsKey(args.get(1)) ? ok(command, "Name: " + args.get(1) + "\nState: ACTIVE\n")
          : fail(command, "Device does not exist.\nCommand failed.\n");
      case "ls" -> ok(command, targets.isEmpty() ? "No devices found\n" : list());
      case "mknodes" -> ok(command, "");
      case "create" -> create(command, args.get(1), command.stdin(), readOnly);
      case "remove" -> remove(command, args.get(args.size() - 1), args.contains("--deferred"));
      default -> fail(command, "fake dmsetup: unsupported " + args);
    };
  }

  private String list() {
    StringBuilder out = new StringBuilder();
    int minor = 0;
    for (String name : targets.keySet()) {
      out.append(name).append("\t(253:").append(minor++).append(")\n");
    }
    return out.toString();
  }

  private CommandResult create(Command command, String name, String table, boolean readOnly) {
    if (targets.containsKey(name)) {
      return fail(command, "device-mapper: create ioctl on " + name + " failed: Device or resource busy\n");
    }
    if (name.equals(failCreate)) {
      return fail(command, "device-mapper: reload ioctl on " + name + " failed: No such device or address\n");
    }
    String problem = checkTable(table, readOnly);
    if (problem != null) {
      return fail(command, "fake dmsetup: bad table for " + name + ": " + problem + "\n" + table);
    }
    targets.put(name, table);
    return ok(command, "");
  }

  /** Null when the table is what the kernel would accept, else why not. */
  private String checkTable(String table, boolean readOnly) {
    if (!table.endsWith("\n")) {
      return "table does not end with a newline";
    }
    long next = 0;
    for (String line : table.strip().split("\n")) {
      String[] words = line.split(" ");
      if (Long.parseLong(words[0]) != next) {
        return "segment starts at " + words[0] + ", expected " + next;
      }
      next += Long.parseLong(words[1]);
      var linear = LINEAR.matcher(line);
      var snapshot = SNAPSHOT.matcher(line);
      if (linear.matches()) {
        if (!deviceExists(linear.group(1))) {
          return "no device " + linear.group(1);
        }
        if (!readOnly && readOnlyLoop(linear.group(1))) {
          // The kernel opens a linear target's device in the table's mode: Permission denied.
          return "Permission denied: read-write linear segment over read-only " + linear.group(1);
        }
      } else if (snapshot.matches()) {
        if (!deviceExists(snapshot.group(1)) || !deviceExists(snapshot.group(2))) {
          return "snapshot origin or COW device missing in: " + line;
        }
      } else if (!ZERO.matcher(line).matches()) {
        return "unknown segment: " + line;
      }
    }
    return next > 0 ? null : "empty table";
  }

  private static boolean readOnlyLoop(String device) {
    Path ro = Path.of("/sys/block", Path.of(device).getFileName().toString(), "ro");
    try {
      return Files.exists(ro) && Files.readString(ro).strip().equals("1");
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private boolean deviceExists(String device) {
    if (device.startsWith("/dev/mapper/")) {
      return targets.containsKey(device.substring("/dev/mapper/".length()));
    }
    return device.startsWith("/dev/loop") && Files.exists(Path.of(device));
  }

  private CommandResult remove(Command command, String name, boolean deferred) {
    if (!targets.containsKey(name)) {
      return fail(command, "Device " + name + " not found\nCommand failed.\n");
    }
    if (name.equals(failRemove)) {
      return fail(command, "device-mapper: remove ioctl on " + name + " failed: Invalid argument\n");
    }
    int busy = busyRemovals.getOrDefault(name, 0);
    if (busy > 0 && !deferred) {
      busyRemovals.put(name, busy - 1);
      return fail(command, "device-mapper: remove ioctl on " + name + " failed: Device or resource busy\n");
    }
    boolean holder = targets.values().stream().anyMatch(t -> t.contains("/dev/mapper/" + name + " "));
    if (holder) {
      return fail(command, "device-mapper: remove ioctl on " + name + " failed: Device or resource busy\n");
    }
    targets.remove(name);
    return ok(command, "");
  }

  private static CommandResult ok(Command command, String out) {
    return new CommandResult(command, 0, out, "");
  }

  private static CommandResult fail(Command command, String err) {
    return new CommandResult(command, 1, "", err);
  }
}
