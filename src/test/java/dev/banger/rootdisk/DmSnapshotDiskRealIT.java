package dev.banger.rootdisk;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.host.ProcessCommandRunner;
import dev.banger.testing.HostAssumptions;

/**
 * The dm strategy against the kernel's device-mapper, where the host has one; each test skips
 * with a message naming device-mapper where it does not.
 */
class DmSnapshotDiskRealIT extends RootDiskContract {
  @Override
  RootDisk newDisk() {
    HostAssumptions.assumeRoot();
    assumeTrue(
        RootDiskStrategy.deviceMapperAvailable(new ProcessCommandRunner(), RootDiskStrategy.MAPPER_CONTROL),
        "needs device-mapper: /dev/mapper/control is missing or `dmsetup version` fails"
            + " (modprobe dm_mod dm_snapshot)");
    return new DmSnapshotDisk(new ProcessCommandRunner());
  }
}
