package dev.banger.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class VolumeMountTest {
  @Test
  void parsesVolumesAndHostFilesWithTheirMode() {
    assertThat(VolumeMount.parse("data:/srv/data")).isEqualTo(new VolumeMount("data", "/srv/data", false, null));
    assertThat(VolumeMount.parse("data:/srv/data:ro")).isEqualTo(new VolumeMount("data", "/srv/data", true, null));
    assertThat(VolumeMount.parse("data:/srv:rw").readOnly()).isFalse();
    VolumeMount file = VolumeMount.parse("/var/lib/disk.img:/mnt:ro");
    assertThat(file.fromHostFile()).isTrue();
    assertThat(file.source()).isEqualTo("/var/lib/disk.img");
    assertThat(file.toString()).isEqualTo("/var/lib/disk.img:/mnt:ro");
  }

  @Test
  void refusesWhatCannotBeMountedSafely() {
    assertThatThrownBy(() -> VolumeMount.parse("data")).hasMessageContaining("SOURCE:/guest/path");
    assertThatThrownBy(() -> VolumeMount.parse(":/x")).hasMessageContaining("SOURCE:/guest/path");
    assertThatThrownBy(() -> VolumeMount.parse("data:relative")).hasMessageContaining("absolute path");
    assertThatThrownBy(() -> VolumeMount.parse("data:/")).hasMessageContaining("other than /");
    assertThatThrownBy(() -> VolumeMount.parse("data:/a/../etc")).hasMessageContaining("'..'");
    assertThatThrownBy(() -> VolumeMount.parse("data:/a b")).hasMessageContaining("spaces");
    assertThatThrownBy(() -> VolumeMount.parse("bad name:/x")).hasMessageContaining("volume name");
    assertThatThrownBy(() -> VolumeMount.parse("averyveryverylongname:/x")).hasMessageContaining("1-16");
    assertThatThrownBy(() -> VolumeMount.parse("/a/../dev/sda:/x")).hasMessageContaining("plain absolute path");
  }
}
