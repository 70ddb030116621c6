package dev.banger.image.ext4;

import dev.banger.host.TreeFiles;
import dev.banger.error.BangerException;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import dev.banger.image.model.Kind;
import dev.banger.image.model.NameSafety;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sets owners, modes and special files inside an unmounted ext4 image with ONE debugfs script for
 * the whole image. Safe on its own, whoever calls it:
 *
 * <ul>
 *   <li>every path is checked again with {@link NameSafety} (no {@code ..}, absolute, no quote or
 *       control character debugfs cannot encode);
 *   <li>before writing, one read-only debugfs run confirms every parent directory on the way is a
 *       real directory, so nothing is reached through a symlink;
 *   <li>debugfs exits 0 even when a command fails, so its error output is parsed and any error
 *       line fails the call; afterwards a sample is read back with {@code stat} and compared.
 * </ul>
 */
public final class ApplyOwnership {
  private static final String CONTEXT = "ApplyOwnership";
  private static final int SAMPLE = 64;
  private static final Pattern TYPE = Pattern.compile("Type: (regular|directory|symlink|FIFO|socket|character special|block special|bad type)");
  private static final Pattern MODE = Pattern.compile("Mode:\\s+(0[0-7]+)");
  private static final Pattern OWNER = Pattern.compile("User:\\s+(-?\\d+)\\s+Group:\\s+(-?\\d+)");
  private static final Pattern DEVICE = Pattern.compile("Device major/minor number: (\\d+):(\\d+)");

  private final CommandRunner runner;

  public ApplyOwnership(CommandRunner runner) {
    this.runner = runner;
  }

  public void apply(Path image, List<OwnershipEntry> entries) throws IOException {
    Map<String, List<String>> checked = new LinkedHashMap<>();
    for (OwnershipEntry e : entries) {
      List<String> parts = NameSafety.absoluteComponents(e.path(), CONTEXT);
      if (parts.isEmpty() && e.creates()) {
        throw NameSafety.unsafe(CONTEXT, e.path(), "would replace the image root with a special file");
      }
      checked.put(e.path(), parts);
    }
    if (entries.isEmpty()) {
      return;
    }
    Path scratch = Files.createTempDirectory(image.getParent(), ".debugfs-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      checkParents(image, scratch, checked, entries);
      StringBuilder script = new StringBuilder();
      for (OwnershipEntry e : entries) {
        List<String> parts = checked.get(e.path());
        String abs = "/" + String.join("/", parts);
        if (e.creates()) {
          script.append("cd ").append(q("/" + String.join("/", parts.subList(0, parts.size() - 1)))).append('\n');
          script.append("mknod ").append(q(parts.get(parts.size() - 1))).append(' ').append(switch (e.kind()) {
            case CHAR_DEVICE -> "c " + e.major() + " " + e.minor();
            case BLOCK_DEVICE -> "b " + e.major() + " " + e.minor();
            default -> "p";
          }).append('\n');
        }
        script.append("sif ").append(q(abs)).append(" mode 0").append(Integer.toOctalString(e.fullMode())).append('\n');
        script.append("sif ").append(q(abs)).append(" uid ").append(e.meta().uid()).append('\n');
        script.append("sif ").append(q(abs)).append(" gid ").append(e.meta().gid()).append('\n');
      }
      run(image, scratch, script.toString(), true);
      verifySample(image, scratch, entries, checked);
    } finally {
      TreeFiles.deleteRecursively(scratch);
    }
  }

  /**
   * Every proper prefix of every path must be a directory (not a symlink) in the image, and a
   * special file to create must not exist yet: debugfs's mknod would add a second entry with the
   * same name rather than fail.
   */
  private void checkParents(Path image, Path scratch, Map<String, List<String>> checked, List<OwnershipEntry> entries)
      throws IOException {
    Set<String> prefixes = new LinkedHashSet<>();
    for (List<String> parts : checked.values()) {
      for (int i = 1; i < parts.size(); i++) {
        prefixes.add("/" + String.join("/", parts.subList(0, i)));
      }
    }
    Map<String, Set<String>> creates = new LinkedHashMap<>();
    for (OwnershipEntry e : entries) {
      if (e.creates()) {
        List<String> parts = checked.get(e.path());
        String parent = "/" + String.join("/", parts.subList(0, parts.size() - 1));
        if (!creates.computeIfAbsent(parent, k -> new LinkedHashSet<>()).add(parts.get(parts.size() - 1))) {
          throw NameSafety.unsafe(CONTEXT, e.path(), "is listed twice to be created");
        }
      }
    }
    if (prefixes.isEmpty() && creates.isEmpty()) {
      return;
    }
    StringBuilder script = new StringBuilder();
    prefixes.forEach(p -> script.append("stat ").append(q(p)).append('\n'));
    Map<String, String> out = prefixes.isEmpty() ? Map.of()
        : split(run(image, scratch, script.toString(), false), List.copyOf(prefixes));
    for (String prefix : prefixes) {
      Matcher type = TYPE.matcher(out.getOrDefault(prefix, ""));
      if (!type.find() || !type.group(1).equals("directory")) {
        throw NameSafety.unsafe(CONTEXT, prefix, "is on the way to a path to change but is "
            + (type.find(0) ? "a " + type.group(1) + ", not a directory (symlinks are never followed)" : "missing"));
      }
    }
    if (creates.isEmpty()) {
      return;
    }
    // Only now that every parent is known to be a real directory is it safe to list them.
    StringBuilder listing = new StringBuilder();
    List<String> keys = new ArrayList<>();
    for (String parent : creates.keySet()) {
      listing.append("ls -p ").append(q(parent)).append('\n');
      keys.add("ls " + parent);
    }
    Map<String, String> listed = split(run(image, scratch, listing.toString(), false), keys);
    for (Map.Entry<String, Set<String>> parent : creates.entrySet()) {
      // ls -p prints one "/inode/mode/uid/gid/name/size/" line per entry; names hold no '/' or newline.
      for (String line : listed.getOrDefault("ls " + parent.getKey(), "").split("\n")) {
        String[] fields = line.split("/", -1);
        if (fields.length >= 7 && parent.getValue().contains(fields[5])) {
          String path = (parent.getKey().equals("/") ? "" : parent.getKey()) + "/" + fields[5];
          throw NameSafety.unsafe(CONTEXT, path, "already exists; refusing to create a special file over it");
        }
      }
    }
  }

  private void verifySample(Path image, Path scratch, List<OwnershipEntry> entries, Map<String, List<String>> checked)
      throws IOException {
    List<OwnershipEntry> sample = new ArrayList<>();
    int step = Math.max(1, entries.size() / SAMPLE);
    for (int i = 0; i < entries.size(); i++) {
      if (i % step == 0 || entries.get(i).creates()) {
        sample.add(entries.get(i));
      }
    }
    List<String> paths = new ArrayList<>();
    StringBuilder script = new StringBuilder();
    for (OwnershipEntry e : sample) {
      String abs = "/" + String.join("/", checked.get(e.path()));
      paths.add(abs);
      script.append("stat ").append(q(abs)).append('\n');
    }
    Map<String, String> stats = split(run(image, scratch, script.toString(), false), paths);
    for (int i = 0; i < sample.size(); i++) {
      OwnershipEntry e = sample.get(i);
      String stat = stats.getOrDefault(paths.get(i), "");
      Matcher mode = MODE.matcher(stat);
      Matcher owner = OWNER.matcher(stat);
      Matcher type = TYPE.matcher(stat);
      boolean ok = mode.find() && owner.find() && type.find()
          && Integer.parseInt(mode.group(1), 8) == e.meta().mode()
          // debugfs prints ids above 2^31 as negative 32-bit numbers
          && (Long.parseLong(owner.group(1)) & 0xFFFF_FFFFL) == e.meta().uid()
          && (Long.parseLong(owner.group(2)) & 0xFFFF_FFFFL) == e.meta().gid()
          && type.group(1).equals(typeName(e.kind()));
      if (ok && (e.kind() == Kind.CHAR_DEVICE || e.kind() == Kind.BLOCK_DEVICE)) {
        Matcher dev = DEVICE.matcher(stat);
        ok = dev.find() && Integer.parseInt(dev.group(1)) == e.major() && Integer.parseInt(dev.group(2)) == e.minor();
      }
      if (!ok) {
        throw BangerException.internal("ApplyOwnership: reading back " + NameSafety.quote(e.path())
            + " after debugfs did not show " + e.kind() + " mode " + Integer.toOctalString(e.meta().mode())
            + " owner " + e.meta().uid() + ":" + e.meta().gid() + "; debugfs said: " + Ext4.tail(stat), null);
      }
    }
  }

  private static String typeName(Kind kind) {
    return switch (kind) {
      case FILE -> "regular";
      case DIRECTORY -> "directory";
      case SYMLINK -> "symlink";
      case FIFO -> "FIFO";
      case CHAR_DEVICE -> "character special";
      case BLOCK_DEVICE -> "block special";
      case HARDLINK -> throw new IllegalArgumentException("hardlink");
    };
  }

  /** Runs a script; any line on stderr other than the version banner is an error. */
  private String run(Path image, Path scratch, String script, boolean write) throws IOException {
    Path file = scratch.resolve(write ? "apply.debugfs" : "read.debugfs");
    Files.writeString(file, script, StandardCharsets.UTF_8);
    List<String> argv = new ArrayList<>(List.of("debugfs"));
    if (write) {
      argv.add("-w");
    }
    argv.addAll(List.of("-f", file.toString(), image.toString()));
    CommandResult result = runner.run(Command.of(argv).withTimeout(Ext4.LONG)
        .withEnv(Map.of("DEBUGFS_PAGER", "__none__", "PAGER", "__none__")));
    List<String> errors = result.stderr().lines()
        .filter(l -> !l.isBlank() && !l.startsWith("debugfs "))
        .toList();
    if (!result.ok() || !errors.isEmpty()) {
      throw BangerException.internal("Tried to " + (write ? "apply ownership and special files" : "inspect")
          + " in " + image.getFileName() + " with debugfs but it reported errors: "
          + Ext4.tail(String.join("\n", errors.isEmpty() ? List.of(result.stderr()) : errors.subList(0, Math.min(20, errors.size())))), null);
    }
    return result.stdout();
  }

  /** Splits the output of a -f script into one block per command, keyed by the command's path. */
  private static Map<String, String> split(String stdout, List<String> paths) {
    Map<String, String> out = new LinkedHashMap<>();
    int index = -1;
    StringBuilder current = new StringBuilder();
    for (String line : stdout.split("\n", -1)) {
      if (line.startsWith("debugfs: ")) {
        if (index >= 0 && index < paths.size()) {
          out.put(paths.get(index), current.toString());
        }
        index++;
        current.setLength(0);
      } else {
        current.append(line).append('\n');
      }
    }
    if (index >= 0 && index < paths.size()) {
      out.put(paths.get(index), current.toString());
    }
    return out;
  }

  private static String q(String path) {
    return "\"" + path + "\"";
  }

}
