package dev.banger.guest;

import dev.banger.error.BangerException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;

/**
 * banger's own init for container-mode VMs and the files that go with it in the VM's root disk:
 * {@code /.banger/init} (the static binary built from {@code src/main/c/init}), {@code
 * /.banger/config} ({@link InitConfig}) and, written by the init as it powers off, {@code
 * /.banger/exit} ({@link ExitRecord}).
 *
 * <p>Why in the root disk, written before every boot, rather than in the kernel's initrd: it works
 * with any kernel that honours {@code init=} (banger's initrd does, and so does a kernel booting
 * without one), so kernels imported before container mode existed, or with the user's own
 * initrd, run containers too; the binary is always the running banger's, so init and daemon
 * never disagree on the config format; and the config changes with every boot anyway (its boot
 * id). The directory is root's only (0700).
 */
public final class ContainerInit {
  public static final String DIR = "/.banger";
  public static final String INIT = DIR + "/init";
  public static final String CONFIG = DIR + "/config";
  public static final String EXIT = DIR + "/exit";
  static final String EXIT_TEMP = DIR + "/exit.tmp";
  static final String RESOURCE = "/dev/banger/guest/banger-init";

  private final Path binary;

  private ContainerInit(Path binary) {
    this.binary = binary;
  }

  /** The init binary's bytes, read once from the jar (or absent when the build could not make it). */
  public static final class Binary {
    private final byte[] bytes;
    private final String missing;

    private Binary(byte[] bytes, String missing) {
      this.bytes = bytes;
      this.missing = missing;
    }

    /** False when the jar carries no init: image mode then boots without the agent. */
    public boolean present() {
      return bytes != null;
    }

    /** Why there is no init (null when there is one). */
    public String missing() {
      return missing;
    }

    byte[] bytes() {
      if (bytes == null) {
        throw BangerException.precondition(missing);
      }
      return bytes;
    }
  }

  /** Reads the init the jar carries; a jar without one fails container-mode starts, not the daemon. */
  public static Binary load() {
    try (InputStream in = ContainerInit.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return new Binary(null, "banger-init is missing from the banger jar (" + RESOURCE + "); rebuild banger with"
            + " musl-tools or gcc installed (scripts/build-init.sh)");
      }
      return new Binary(in.readAllBytes(), null);
    } catch (IOException e) {
      return new Binary(null, "cannot read banger-init from the banger jar: " + e.getMessage());
    }
  }

  /** As {@link #extractTo(Path, Binary)} with the init read from the jar now. */
  public static ContainerInit extractTo(Path dir) {
    return extractTo(dir, load());
  }

  /**
   * Puts the init binary into {@code dir} (rewritten only when its content differs), so debugfs
   * can copy it into VM disks.
   */
  public static ContainerInit extractTo(Path dir, Binary binary) {
    byte[] bytes = binary.bytes();
    Path target = dir.resolve("banger-init");
    try {
      Files.createDirectories(dir);
      if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), bytes)) {
        return new ContainerInit(target);
      }
      Path temp = Files.createTempFile(dir, ".banger-init-", ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Files.write(temp, bytes);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return new ContainerInit(target);
    } catch (IOException e) {
      throw BangerException.internal("cannot write banger-init to " + target + ": " + e.getMessage(), e);
    }
  }

  /** The host copy of the init binary. */
  public Path binary() {
    return binary;
  }

  /** What goes into the root disk before a boot: the directory, the init, its config; no old record. */
  public List<GuestPath> entries(InitConfig config) {
    return entries(config.encode());
  }

  /** As {@link #entries(InitConfig)} with the config already encoded (image mode's first stage). */
  public List<GuestPath> entries(String config) {
    return List.of(
        new GuestPath.Dir(DIR, 0700, 0, 0),
        new GuestPath.Copy(INIT, binary, 0755, 0, 0),
        GuestPath.File.root(CONFIG, config, 0600),
        new GuestPath.Absent(EXIT),
        new GuestPath.Absent(EXIT_TEMP));
  }
}
