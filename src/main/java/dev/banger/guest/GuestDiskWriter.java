package dev.banger.guest;

import dev.banger.host.TreeFiles;
import dev.banger.error.BangerException;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes {@link GuestPath}s into an unmounted ext4 file system (a VM's own root disk: its disk
 * file or its dm-snapshot device) with debugfs: one read-only run to see what is on the way, one
 * write run, one run that reads everything back. Nothing is written unless the whole plan is
 * safe (see {@link DebugfsPlan}). The caller must make sure nothing else has the file system
 * open: debugfs writes around the kernel.
 */
public final class GuestDiskWriter {
  private static final Pattern TYPE = Pattern.compile("Type: (regular|directory|symlink|FIFO|socket|character special|block special|bad type)");
  private static final Pattern MODE = Pattern.compile("Mode:\\s+(0[0-7]+)");
  private static final Pattern OWNER = Pattern.compile("User:\\s+(-?\\d+)\\s+Group:\\s+(-?\\d+)");

  private final CommandRunner runner;
  private final Debugfs debugfs;

  public GuestDiskWriter(CommandRunner runner) {
    this.runner = runner;
    this.debugfs = new Debugfs(runner);
  }

  /**
   * Puts {@code entries} into the file system on {@code device}, using a private temporary
   * directory under {@code scratchParent} (on the host) for the content and the scripts.
   */
  public void write(Path device, List<GuestPath> entries, Path scratchParent) throws IOException {
    DebugfsPlan plan = DebugfsPlan.of(entries);
    if (entries.isEmpty()) {
      return;
    }
    Path scratch = Files.createTempDirectory(scratchParent, ".guest-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      Map<String, Map<String, Integer>> listings =
          plan.parseListings(debugfs.run(device, scratch, plan.listingScript(), false, "look at the guest's files"));
      Map<String, Path> sources = new HashMap<>();
      Map<String, Path> dumps = new HashMap<>();
      List<GuestPath> files = plan.files();
      for (int i = 0; i < files.size(); i++) {
        Path source = switch (files.get(i)) {
          case GuestPath.File file -> Files.writeString(scratch.resolve("file-" + i), file.content(), StandardCharsets.UTF_8);
          case GuestPath.Copy copy -> copy.source();
          default -> throw new IllegalStateException("not a regular file: " + files.get(i));
        };
        sources.put(files.get(i).path(), source);
        dumps.put(files.get(i).path(), scratch.resolve("readback-" + i));
      }
      debugfs.run(device, scratch, plan.writeScript(listings, sources), true, "write the guest's files");
      String stats = debugfs.run(device, scratch, plan.verifyScript(dumps), false, "read the guest's files back");
      verify(plan, Debugfs.split(stats, plan.verified()), dumps, device);
    } finally {
      TreeFiles.deleteRecursively(scratch);
    }
  }

  /**
   * Replays the file system's journal when a kernel left it needing recovery (a guest killed or
   * crashed while it had the disk mounted), so that debugfs, which ignores the journal, then reads
   * and writes the file system as the guest left it. Nothing else is checked or changed
   * ({@code e2fsck -E journal_only}). Call only while no VMM has the disk open.
   */
  public void replayJournal(Path device) {
    CommandResult result = runner.run(Command.of("e2fsck", "-E", "journal_only", "-p", device.toString())
        .withTimeout(Duration.ofMinutes(2)));
    if (result.exitCode() > 2) {
      throw BangerException.precondition("Tried to replay the journal of " + device + " with `e2fsck -E journal_only`"
          + " but it failed (exit " + result.exitCode() + "): " + tail(result.stdout() + result.stderr()));
    }
  }

  /**
   * Reads the regular file {@code path} of the file system on {@code device}, at most {@code
   * maxBytes} of it; empty when it is missing or is not a regular file (the guest wrote it, so it
   * is only a claim: the caller parses it as hostile input).
   */
  public java.util.Optional<byte[]> read(Path device, String path, int maxBytes, Path scratchParent) throws IOException {
    String canonical = DebugfsPlan.canonical(path);
    Path scratch = Files.createTempDirectory(scratchParent, ".guest-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      String stat = debugfs.run(device, scratch, "stat " + DebugfsPlan.q(canonical) + "\n", false, "look at " + canonical);
      Matcher type = TYPE.matcher(stat);
      Matcher size = Pattern.compile("Size:\\s+(\\d+)").matcher(stat);
      if (!type.find() || !type.group(1).equals("regular") || !size.find() || Long.parseLong(size.group(1)) > maxBytes) {
        return java.util.Optional.empty();
      }
      Path dump = scratch.resolve("dump");
      debugfs.run(device, scratch, "dump " + DebugfsPlan.q(canonical) + " " + DebugfsPlan.q(dump.toString()) + "\n", false,
          "read " + canonical);
      if (!Files.isRegularFile(dump) || Files.size(dump) > maxBytes) {
        return java.util.Optional.empty();
      }
      return java.util.Optional.of(Files.readAllBytes(dump));
    } finally {
      TreeFiles.deleteRecursively(scratch);
    }
  }

  /**
   * Repairs what an interrupted {@link #write} may have left ({@code e2fsck -fy}): a debugfs
   * killed half-way (it dies of SIGPIPE when the daemon does) can leave an allocated inode or
   * block unaccounted for. Exit codes 0-2 mean clean or fixed; anything else fails.
   */
  public void repair(Path device) {
    CommandResult result = runner.run(Command.of("e2fsck", "-fy", device.toString()).withTimeout(Duration.ofMinutes(10)));
    if (result.exitCode() > 2) {
      throw BangerException.precondition("Tried to repair " + device + " after an interrupted guest setup with `e2fsck -fy`"
          + " but it could not (exit " + result.exitCode() + "): " + tail(result.stdout() + result.stderr())
          + "; delete the VM and create it again");
    }
  }

  private static String tail(String text) {
    String t = text.strip();
    return t.length() > 1000 ? "…" + t.substring(t.length() - 1000) : t;
  }

  /** Every entry must read back with its type, mode, owner and (files) its exact content. */
  private static void verify(DebugfsPlan plan, Map<String, String> stats, Map<String, Path> dumps, Path device) throws IOException {
    for (Map.Entry<String, GuestPath> e : plan.expected().entrySet()) {
      String stat = stats.getOrDefault(e.getKey(), "");
      GuestPath want = e.getValue();
      if (want instanceof GuestPath.Absent) {
        if (!stat.isBlank()) {
          throw BangerException.internal("Tried to remove " + e.getKey() + " from " + device + " with debugfs, but it is"
              + " still there: " + stat.strip(), null);
        }
        continue;
      }
      Matcher type = TYPE.matcher(stat);
      Matcher mode = MODE.matcher(stat);
      Matcher owner = OWNER.matcher(stat);
      boolean ok = type.find() && mode.find() && owner.find()
          && type.group(1).equals(want instanceof GuestPath.Dir ? "directory" : "regular")
          && Integer.parseInt(mode.group(1), 8) == want.mode()
          && (Long.parseLong(owner.group(1)) & 0xFFFF_FFFFL) == want.uid()
          && (Long.parseLong(owner.group(2)) & 0xFFFF_FFFFL) == want.gid();
      if (ok && (want instanceof GuestPath.File || want instanceof GuestPath.Copy)) {
        Path dump = dumps.get(want.path());
        byte[] expected = want instanceof GuestPath.File file
            ? file.content().getBytes(StandardCharsets.UTF_8) : Files.readAllBytes(((GuestPath.Copy) want).source());
        ok = Files.isRegularFile(dump) && Arrays.equals(Files.readAllBytes(dump), expected);
      }
      if (!ok) {
        throw BangerException.internal("Tried to write " + e.getKey() + " into " + device + " with debugfs, but reading it back"
            + " did not show the expected content, mode " + Integer.toOctalString(want.mode()) + " and owner "
            + want.uid() + ":" + want.gid() + "; debugfs said: " + stat.strip(), null);
      }
    }
  }
}
