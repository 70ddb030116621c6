package dev.banger.rootdisk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootDiskStrategyTest {
  @TempDir Path dir;

  static CommandRunner dmsetup(int exit) {
    return command -> new CommandResult(command, exit, "", exit == 0 ? "" : "Failure to communicate with kernel device-mapper driver.");
  }

  @Test
  void autoPicksDmOnlyWhenTheControlNodeExistsAndDmsetupWorks() throws IOException {
    Path control = Files.createFile(dir.resolve("control"));

    assertThat(RootDiskStrategy.resolve("auto", dmsetup(0), control)).isEqualTo(RootDiskStrategy.DM);
    assertThat(RootDiskStrategy.resolve(null, dmsetup(0), control)).isEqualTo(RootDiskStrategy.DM);
    assertThat(RootDiskStrategy.resolve("auto", dmsetup(1), control)).isEqualTo(RootDiskStrategy.COPY);
    assertThat(RootDiskStrategy.resolve("auto", dmsetup(0), dir.resolve("missing"))).isEqualTo(RootDiskStrategy.COPY);
    CommandRunner notInstalled = command -> {
      throw BangerException.precondition("could not start dmsetup");
    };
    assertThat(RootDiskStrategy.resolve("auto", notInstalled, control)).isEqualTo(RootDiskStrategy.COPY);
  }

  @Test
  void explicitDmWithoutDeviceMapperIsRefusedNamingIt() {
    assertThatThrownBy(() -> RootDiskStrategy.resolve("dm", dmsetup(0), dir.resolve("missing")))
        .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.FAILED_PRECONDITION))
        .hasMessageContaining("device-mapper")
        .hasMessageContaining("--rootdisk copy");
  }

  @Test
  void copyIsAlwaysAvailableAndUnknownValuesAreRefused() {
    assertThat(RootDiskStrategy.resolve("copy", dmsetup(1), dir.resolve("missing"))).isEqualTo(RootDiskStrategy.COPY);
    assertThatThrownBy(() -> RootDiskStrategy.resolve("zfs", dmsetup(0), dir))
        .isInstanceOfSatisfying(BangerException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_ARGUMENT));
    assertThat(RootDiskStrategy.fromWire("dm")).isEqualTo(RootDiskStrategy.DM);
  }

  @Test
  void diskSpecsRefuseIdsThatCannotNameATargetAndTheImageAsItsOwnDisk() {
    Path image = dir.resolve("image.ext4");
    assertThatThrownBy(() -> new DiskSpec("../../x", image, dir.resolve("cow"), 0)).isInstanceOf(BangerException.class);
    assertThatThrownBy(() -> new DiskSpec("0123abcd", image, image, 0)).isInstanceOf(BangerException.class);
    assertThatThrownBy(() -> new DiskSpec("0123abcd", image, dir.resolve("cow"), -1)).isInstanceOf(BangerException.class);
  }

  @Test
  void keepSetsComeFromTheLiveVmsHandles() {
    var live = dev.banger.model.Holdings.of(java.util.Map.of(
        "0123456789abcdef", new dev.banger.model.VmHandles(1L, 2L, "bg01234567", "/dev/loop1", "/dev/loop2", "banger-01234567", "/dev/mapper/banger-01234567"),
        "fedcba9876543210", dev.banger.model.VmHandles.EMPTY));

    assertThat(DiskSweep.keptDevices(live)).containsExactlyInAnyOrder("/dev/loop1", "/dev/loop2", "banger-01234567");
    assertThat(dev.banger.network.Network.keptTaps(live)).containsExactly("bg01234567");
  }
}
