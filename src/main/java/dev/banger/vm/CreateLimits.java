package dev.banger.vm;

import dev.banger.error.BangerException;
import dev.banger.host.ProcFs;
import dev.banger.vmm.BootArgs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * What this host can give one VM, checked at create so that a spec is refused up front rather than
 * failing at every start: kernel arguments that fit the command line, no more memory than the
 * host has, a vCPU count the VMMs take, and a disk whose growth beyond its image fits the state
 * directory's free space.
 *
 * @param maxMemoryMib the host's RAM
 * @param maxVcpus the most vCPUs a VM may have
 * @param freeDiskBytes the state directory's usable space now
 */
public record CreateLimits(long maxMemoryMib, int maxVcpus, LongSupplier freeDiskBytes) {
  /** Firecracker's limit, and plenty for QEMU's microvm. */
  public static final int MAX_VCPUS = 32;
  /** ext4 with 4 KiB blocks holds files up to 16 TiB: no disk image may be larger. */
  public static final long MAX_DISK_BYTES = 16L << 40;

  /** The limits of this host, for VMs whose disks live under {@code stateDir}. */
  public static CreateLimits forHost(Path stateDir) {
    return new CreateLimits(new ProcFs().memTotalBytes() >> 20, MAX_VCPUS, () -> {
      try {
        return Files.getFileStore(Files.exists(stateDir) ? stateDir : stateDir.getParent()).getUsableSpace();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  void check(int vcpus, long memoryMib, long diskBytes, long imageBytes, String kernelArgs) {
    if (vcpus < 1 || vcpus > maxVcpus) {
      throw BangerException.invalid("--cpus must be between 1 and " + maxVcpus + ", got " + vcpus);
    }
    if (memoryMib < VmService.MIN_MEMORY_MIB) {
      throw BangerException.invalid("--memory must be at least " + VmService.MIN_MEMORY_MIB + " MiB, got " + memoryMib + " MiB");
    }
    if (memoryMib > maxMemoryMib) {
      throw BangerException.invalid("--memory " + memoryMib + " MiB is more than this host's " + maxMemoryMib
          + " MiB of RAM");
    }
    if (diskBytes > MAX_DISK_BYTES) {
      throw BangerException.invalid("--disk-size " + diskBytes + " bytes is over the " + (MAX_DISK_BYTES >> 40)
          + " TiB an ext4 disk file can hold");
    }
    long growth = diskBytes - imageBytes;
    long free = freeDiskBytes.getAsLong();
    if (growth > free) {
      throw BangerException.invalid("--disk-size " + diskBytes + " bytes would grow the image by " + growth
          + " bytes, but the state directory has " + free + " bytes free");
    }
    BootArgs.checkUserArgs(kernelArgs);
  }
}
