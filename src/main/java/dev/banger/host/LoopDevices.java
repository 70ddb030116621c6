package dev.banger.host;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.error.BangerException;
import dev.banger.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Loop devices through {@code losetup}: attach, list (JSON), and a detach that first proves the
 * device still backs the file we attached. Loop numbers are recycled by the kernel, so a number
 * remembered across a crash or reboot may now belong to someone else.
 */
public final class LoopDevices {
  /** One attached loop device; {@code backingFile} is as the kernel reports it. */
  public record Loop(String device, String backingFile, boolean readOnly) {
    public Loop {
      Objects.requireNonNull(device, "device");
      backingFile = backingFile == null ? "" : backingFile;
    }

    /** The backing path without the " (deleted)" suffix the kernel adds for unlinked files. */
    public String backingPath() {
      String suffix = " (deleted)";
      return backingFile.endsWith(suffix)
          ? backingFile.substring(0, backingFile.length() - suffix.length())
          : backingFile;
    }
  }

  /** What {@link #detach} found. */
  public enum Detach {
    DETACHED,
    /** The device was not attached: already gone counts as success. */
    GONE,
    /** The device now backs another file; it was left alone. */
    NOT_OURS
  }

  private final CommandRunner runner;

  public LoopDevices(CommandRunner runner) {
    this.runner = Objects.requireNonNull(runner, "runner");
  }

  public List<Loop> list() {
    String out = runner.check("losetup", "--json", "--list", "--output", "NAME,BACK-FILE,RO").stdout();
    if (out.isBlank()) {
      return List.of();
    }
    List<Loop> loops = new ArrayList<>();
    try {
      for (JsonNode node : Json.mapper().readTree(out).path("loopdevices")) {
        JsonNode ro = node.path("ro");
        boolean readOnly = ro.isBoolean() ? ro.asBoolean() : "1".equals(ro.asText());
        loops.add(new Loop(node.path("name").asText(), node.path("back-file").asText(""), readOnly));
      }
    } catch (IOException e) {
      throw BangerException.internal("could not parse `losetup --json --list` output: " + e.getMessage(), e);
    }
    return loops;
  }

  public Optional<Loop> find(String device) {
    return list().stream().filter(l -> l.device().equals(device)).findFirst();
  }

  /** Attaches {@code file} to a free loop device and returns its path (e.g. /dev/loop3). */
  public String attach(Path file, boolean readOnly) {
    List<String> argv = new ArrayList<>(List.of("losetup", "--find", "--show"));
    if (readOnly) {
      argv.add("--read-only");
    }
    argv.add(file.toAbsolutePath().toString());
    String device = runner.check(argv).stdout().strip();
    if (!device.startsWith("/dev/loop")) {
      throw BangerException.internal(
          "`losetup --find --show` on " + file + " printed '" + device + "' instead of a loop device", null);
    }
    return device;
  }

  /**
   * Detaches {@code device} if, and only if, it still backs {@code expectedBacking}. A device
   * that is not attached counts as success.
   */
  public Detach detach(String device, Path expectedBacking) {
    Optional<Loop> loop = find(device);
    if (loop.isEmpty()) {
      return Detach.GONE;
    }
    if (!samePath(loop.get().backingPath(), expectedBacking)) {
      return Detach.NOT_OURS;
    }
    CommandResult result = runner.run(Command.of("losetup", "--detach", device));
    if (!result.ok() && find(device).isPresent()) {
      result.orThrow();
    }
    return Detach.DETACHED;
  }

  /** Detaches a device the caller has already proven to be ours (the sweep). */
  public void detachUnchecked(String device) {
    CommandResult result = runner.run(Command.of("losetup", "--detach", device));
    if (!result.ok() && find(device).isPresent()) {
      result.orThrow();
    }
  }

  /** Compares a kernel-reported path with ours, resolving symlinks on our side where it exists. */
  public static boolean samePath(String reported, Path ours) {
    return Path.of(reported).normalize().equals(canonical(ours));
  }

  /** The real path when the file exists (losetup canonicalises on attach), else the normalised one. */
  public static Path canonical(Path path) {
    try {
      return Files.exists(path) ? path.toRealPath() : path.toAbsolutePath().normalize();
    } catch (IOException e) {
      return path.toAbsolutePath().normalize();
    }
  }
}
