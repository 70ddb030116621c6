package dev.banger.metadata;

import dev.banger.error.BangerException;
import dev.banger.host.Command;
import dev.banger.host.CommandRunner;
import dev.banger.json.Json;
import dev.banger.model.CloudInit;
import dev.banger.vmm.BootConfig;
import dev.banger.vmm.ExtraDrive;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * cloud-init's NoCloud seed for a VM created with {@code --user-data}/{@code --meta-data}: an
 * ISO 9660 image with the volume label {@code cidata} holding {@code user-data} and {@code
 * meta-data}, made by {@code genisoimage} (as cloud-localds does) in the VM's directory before
 * each start, and attached read-only after the volumes. ISO 9660 rather than ext4: cloud-init's
 * NoCloud looks only at vfat and iso9660 file systems labelled cidata. On Firecracker the same
 * data is also served by MMDS (version 2, session tokens) when the VM has a network interface.
 */
public final class NoCloudSeed {
  public static final String FILE_NAME = "cidata.iso";
  public static final String DRIVE_ID = "cidata";
  public static final String LABEL = "cidata";

  private final CommandRunner runner;

  public NoCloudSeed(CommandRunner runner) {
    this.runner = runner;
  }

  /**
   * The seed file, (re)built from the spec for this start: written beside and renamed into place,
   * so a crash leaves the previous seed or none.
   */
  public Path build(Path vmDir, CloudInit data, String vmId, String vmName) {
    Path stage = vmDir.resolve(".cidata-new");
    Path out = vmDir.resolve("." + FILE_NAME + ".new");
    try {
      deleteTree(stage);
      Files.createDirectories(stage);
      Files.write(stage.resolve("user-data"), data.userDataBytes());
      Files.writeString(stage.resolve("meta-data"), Json.write(MetaData.of(data, vmId, vmName)) + "\n", StandardCharsets.UTF_8);
      Files.deleteIfExists(out);
      try {
        runner.check(Command.of("genisoimage", "-quiet", "-output", out.toString(), "-volid", LABEL, "-joliet", "-rock",
            stage.resolve("user-data").toString(), stage.resolve("meta-data").toString()).withTimeout(Duration.ofSeconds(30)));
      } catch (dev.banger.host.CommandFailedException e) {
        throw e;
      } catch (BangerException e) {
        throw BangerException.precondition("cannot make the cloud-init seed of VM '" + vmName + "': " + e.getMessage()
            + " (the daemon needs genisoimage: apt-get install genisoimage)");
      }
      Path seed = vmDir.resolve(FILE_NAME);
      Files.move(out, seed, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return seed;
    } catch (IOException e) {
      throw BangerException.internal("cannot make the cloud-init seed in " + vmDir + ": " + e.getMessage(), e);
    } finally {
      deleteTree(stage);
    }
  }

  /** What MMDS serves: EC2's layout, {@code latest/meta-data} and {@code latest/user-data} (when it is UTF-8 text). */
  public static Map<String, Object> mmdsContents(CloudInit data, String vmId, String vmName) {
    Map<String, Object> latest = new LinkedHashMap<>();
    latest.put("meta-data", MetaData.of(data, vmId, vmName));
    String userData = MetaData.utf8(data.userDataBytes());
    if (userData != null) {
      latest.put("user-data", userData);
    }
    return Map.of("latest", latest);
  }

  /** The boot config with the seed as its last drive (read-only) and the MMDS contents. */
  public static BootConfig attach(BootConfig config, Path seed, CloudInit data, String vmId, String vmName) {
    List<ExtraDrive> drives = new ArrayList<>(config.drives());
    drives.add(new ExtraDrive(seed, true, DRIVE_ID));
    return config.withDrives(drives).withMmds(mmdsContents(data, vmId, vmName));
  }

  private static void deleteTree(Path dir) {
    if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // left for the next start, which clears it first
    }
  }
}
