package dev.banger.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Reads process identity from /proc. A pid alone is not an identity (pids are reused), so banger
 * pairs it with the process start time (field 22 of /proc/PID/stat, in clock ticks since boot)
 * and the command line.
 *
 * <p>Only "no such file" (ENOENT) and "no such process" (ESRCH) mean a process is gone. Any other
 * read failure — EMFILE when the daemon is out of descriptors, ENOMEM — is a {@link
 * ProcReadException}: it says nothing about the process, and treating it as "gone" would let the
 * daemon tear down a live VM.
 */
public final class ProcFs {
  private final Path root;

  public ProcFs() {
    this(Path.of("/proc"));
  }

  /** A ProcFs over another directory with the same layout, for tests. */
  public ProcFs(Path root) {
    this.root = root;
  }

  /**
   * The process start time in clock ticks since boot, or empty when the process is gone.
   *
   * @throws ProcReadException when /proc cannot be read for another reason
   */
  public Optional<Long> startTime(long pid) {
    Optional<String[]> rest = statFields(pid);
    try {
      // field 3 is rest[0], so field 22 is rest[19].
      return rest.map(r -> Long.parseLong(r[19]));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * Fields 3 on of /proc/PID/stat (at least 20 of them), or empty when the process is gone. The
   * command name (field 2) is in parentheses and may itself contain spaces or ')': everything
   * after the last ')' is space-separated.
   */
  private Optional<String[]> statFields(long pid) {
    Optional<byte[]> raw = read(root.resolve(Long.toString(pid)).resolve("stat"));
    if (raw.isEmpty()) {
      return Optional.empty();
    }
    String stat = new String(raw.get(), StandardCharsets.UTF_8);
    int close = stat.lastIndexOf(')');
    if (close < 0 || close + 2 > stat.length()) {
      return Optional.empty();
    }
    String[] rest = stat.substring(close + 2).trim().split(" ");
    return rest.length > 19 ? Optional.of(rest) : Optional.empty();
  }

  /**
   * What a process has used: CPU time (utime + stime, fields 14 and 15 of /proc/PID/stat) and
   * resident memory (VmRSS of /proc/PID/status).
   *
   * @param startTime the start time, so a caller can check the pid is still the process it means
   */
  public record Usage(long startTime, double cpuSeconds, long rssBytes) {}

  /** /proc's clock tick: USER_HZ, fixed at 100 in the kernel's ABI for /proc on every architecture banger runs on. */
  static final double USER_HZ = 100.0;

  /**
   * The process's CPU time and resident memory, or empty when it is gone.
   *
   * @throws ProcReadException when /proc cannot be read for another reason
   */
  public Optional<Usage> usage(long pid) {
    Optional<String[]> fields = statFields(pid);
    Optional<byte[]> status = read(root.resolve(Long.toString(pid)).resolve("status"));
    if (fields.isEmpty() || status.isEmpty()) {
      return Optional.empty();
    }
    String[] rest = fields.get();
    long rssKib = 0; // a zombie has no VmRSS line
    for (String line : new String(status.get(), StandardCharsets.UTF_8).split("\n")) {
      if (line.startsWith("VmRSS:")) {
        rssKib = Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
      }
    }
    try {
      // Field 3 is rest[0]: utime (14) is rest[11], stime (15) rest[12], starttime (22) rest[19].
      long ticks = Long.parseLong(rest[11]) + Long.parseLong(rest[12]);
      return Optional.of(new Usage(Long.parseLong(rest[19]), ticks / USER_HZ, rssKib * 1024));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * The process's argv, or empty when the process is gone (or is a kernel thread or a zombie).
   *
   * @throws ProcReadException when /proc cannot be read for another reason
   */
  public Optional<List<String>> cmdline(long pid) {
    Optional<byte[]> raw = read(root.resolve(Long.toString(pid)).resolve("cmdline"));
    if (raw.isEmpty() || raw.get().length == 0) {
      return Optional.empty();
    }
    String all = new String(raw.get(), StandardCharsets.UTF_8);
    if (all.endsWith("\0")) {
      all = all.substring(0, all.length() - 1);
    }
    return Optional.of(Arrays.asList(all.split("\0", -1)));
  }

  /**
   * Every numeric entry of /proc: the pids alive right now.
   *
   * @throws ProcReadException when /proc cannot be listed: an empty answer would claim that no
   *     process is alive
   */
  public List<Long> pids() {
    List<Long> pids = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
          pids.add(Long.parseLong(name));
        }
      }
    } catch (IOException e) {
      throw new ProcReadException(root.toString(), e);
    } catch (java.nio.file.DirectoryIteratorException e) {
      throw new ProcReadException(root.toString(), e.getCause());
    }
    return pids;
  }

  /**
   * The identities ({@link java.nio.file.attribute.BasicFileAttributes#fileKey}: device and inode)
   * of the files the process holds open, each read through its {@code /proc/<pid>/fd} link, so it is
   * the file the process opened whatever its path names now. Empty when the process is gone.
   */
  public java.util.Set<Object> openFileKeys(long pid) {
    java.util.Set<Object> keys = new java.util.HashSet<>();
    Path fds = root.resolve(Long.toString(pid)).resolve("fd");
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(fds)) {
      for (Path fd : entries) {
        try {
          Object key = Files.readAttributes(fd, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
          if (key != null) {
            keys.add(key);
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    } catch (java.nio.file.NoSuchFileException e) {
      return keys;
    } catch (IOException e) {
      throw new ProcReadException(fds.toString(), e);
    } catch (java.nio.file.DirectoryIteratorException e) {
      throw new ProcReadException(fds.toString(), e.getCause());
    }
    return keys;
  }

  /** True when pid is alive, started at startTime and its argv contains {@code marker}. */
  public boolean matches(long pid, long startTime, String marker) {
    return startTime(pid).filter(t -> t == startTime).isPresent()
        && cmdline(pid).filter(argv -> argv.stream().anyMatch(a -> a.contains(marker))).isPresent();
  }

  /**
   * This process's effective uid and file-creation mask, from /proc/self/status.
   *
   * @param euid the effective user id
   * @param umask the umask, e.g. 0077
   */
  public record Self(int euid, int umask) {}

  public Self self() {
    String status = new String(read(root.resolve("self/status"))
        .orElseThrow(() -> new ProcReadException(root + "/self/status", new NoSuchFileException(root + "/self/status"))),
        StandardCharsets.UTF_8);
    int euid = -1;
    int umask = -1;
    for (String line : status.split("\n")) {
      if (line.startsWith("Uid:")) {
        euid = Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
      } else if (line.startsWith("Umask:")) {
        umask = Integer.parseInt(line.substring(6).trim(), 8);
      }
    }
    if (euid < 0 || umask < 0) {
      throw new ProcReadException(root + "/self/status", new IOException("no Uid or Umask line"));
    }
    return new Self(euid, umask);
  }

  /** The host's RAM in bytes (MemTotal of /proc/meminfo). */
  public long memTotalBytes() {
    return field(root.resolve("meminfo"), "MemTotal:") * 1024;
  }

  /** The soft limit on this process's open files (RLIMIT_NOFILE), or {@link Long#MAX_VALUE} when unlimited. */
  public long openFilesLimit() {
    String limits = new String(read(root.resolve("self/limits"))
        .orElseThrow(() -> new ProcReadException(root + "/self/limits", new NoSuchFileException(root + "/self/limits"))),
        StandardCharsets.UTF_8);
    for (String line : limits.split("\n")) {
      if (line.startsWith("Max open files")) {
        String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
        return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
      }
    }
    throw new ProcReadException(root + "/self/limits", new IOException("no 'Max open files' line"));
  }

  private long field(Path file, String key) {
    String text = new String(read(file).orElseThrow(() -> new ProcReadException(file.toString(),
        new NoSuchFileException(file.toString()))), StandardCharsets.UTF_8);
    for (String line : text.split("\n")) {
      if (line.startsWith(key)) {
        return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
      }
    }
    throw new ProcReadException(file.toString(), new IOException("no " + key + " line"));
  }

  /** The file's bytes; empty when it (or its process) does not exist; other failures throw. */
  private static Optional<byte[]> read(Path file) {
    try {
      return Optional.of(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      // A process exiting while we read gives ESRCH on some files.
      if (String.valueOf(e.getMessage()).contains("No such process")) {
        return Optional.empty();
      }
      throw new ProcReadException(file.toString(), e);
    }
  }
}
