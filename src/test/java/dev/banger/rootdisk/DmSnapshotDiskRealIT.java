package dev.banger.rootdisk;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.host.ProcessCommandRunner;
import dev.banger.testing.HostAssumptions;
import org.junit.jupiter.api.BeforeAll;

/** The dm strategy against the kernel's device-mapper, where the host has one. */
class DmSnapshotDiskRealIT extends RootDiskContract {
  @BeforeAll
  static void needsDeviceMapper() {
    HostAssumptions.assumeRoot();
    assumeTrue(
        RootDiskStrategy.deviceMapperAvailable(new ProcessCommandRunner(), RootDiskStrategy.MAPPER_CONTROL),
        "needs device-mapper: /dev/mapper/control is missing or `dmsetup version` fails"
            + " (modprobe dm_mod dm_snapshot)");
  }

  @Override
  RootDisk newDisk() {
    return new DmSnapshotDisk(new ProcessCommandRunner());
  }
}
