package dev.banger.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountTableTest {
  @Test
  void mountinfoEscapesAreDecoded() {
    assertThat(MountTable.unescape("/a\\040b\\011c\\134d")).isEqualTo("/a b\tc\\d");
    assertThat(MountTable.unescape("/plain\\04")).isEqualTo("/plain\\04");
    assertThat(MountTable.unescape("/not\\8oct")).isEqualTo("/not\\8oct");
  }

  @Test
  void mountPointsAndTypesAreReadPastTheOptionalFields(@TempDir Path dir) throws Exception {
    Path mountinfo = Files.writeString(dir.resolve("mountinfo"), """
        22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw
        30 22 0:26 / /sys/fs/cgroup rw,nosuid shared:9 master:2 - cgroup2 cgroup2 rw
        41 22 7:0 / /var/lib/banger/jail/x\\040y/root rw - ext4 /dev/loop0 rw
        short line
        """);
    assertThat(MountTable.read(mountinfo)).containsExactly(
        new MountTable.Mount("/", "ext4"),
        new MountTable.Mount("/sys/fs/cgroup", "cgroup2"),
        new MountTable.Mount("/var/lib/banger/jail/x y/root", "ext4"));
    assertThat(MountTable.mountPointsUnder(Path.of("/var/lib/banger/jail/x y"), mountinfo))
        .containsExactly("/var/lib/banger/jail/x y/root");
    assertThat(MountTable.mountPointsUnder(Path.of("/var/lib/banger/jail/x"), mountinfo)).isEmpty();
  }

  @Test
  void theRootIsAMountPointAndAFreshDirectoryIsNot(@TempDir Path dir) {
    assertThat(MountTable.isMountPoint(Path.of("/"))).isTrue();
    assertThat(MountTable.isMountPoint(dir.resolve("sub"))).isFalse();
  }
}
