package dev.banger.volume;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.guest.GuestPath;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class VolumeFstabTest {
  private static final List<AttachedVolume> VOLUMES = List.of(
      new AttachedVolume("id1", Path.of("/s/v/id1.img"), "/srv/data", false, "data", 0),
      new AttachedVolume("/h/disk.img", Path.of("/h/disk.img"), "/mnt/ro", true, null, 1));

  private static String fstab(List<GuestPath> files) {
    return files.stream().filter(f -> f instanceof GuestPath.File file && file.path().equals("/etc/fstab"))
        .map(f -> ((GuestPath.File) f).content()).findFirst().orElseThrow();
  }

  @Test
  void addsOneNofailLinePerVolumeByLabelElseByDeviceAfterTheImagesOwn() {
    List<GuestPath> files = VolumeFstab.entries("proc /proc proc defaults 0 0\n", VOLUMES);
    String expected = """
        proc /proc proc defaults 0 0
        # banger volume
        LABEL=data\t/srv/data\tauto\tnofail\t0\t0
        # banger volume
        /dev/vdc\t/mnt/ro\tauto\tro,nofail\t0\t0
        """;
    assertThat(fstab(files)).isEqualTo(expected);
    assertThat(files).contains(new GuestPath.Dir("/srv/data", 0755, 0, 0), new GuestPath.Dir("/mnt/ro", 0755, 0, 0));
  }

  @Test
  void aRetriedFirstBootReplacesBangersLinesRatherThanDoublingThem() {
    String once = fstab(VolumeFstab.entries("# image\n", VOLUMES));
    assertThat(fstab(VolumeFstab.entries(once, VOLUMES))).isEqualTo(once);
    assertThat(fstab(VolumeFstab.entries("", List.of()))).isEmpty();
  }
}
