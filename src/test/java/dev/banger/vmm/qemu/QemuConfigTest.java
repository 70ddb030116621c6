package dev.banger.vmm.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QemuConfigTest {
  @Test
  void aMissingKvmDeviceIsNotUsableAndIsNotCreated(@TempDir Path dir) {
    Path kvm = dir.resolve("kvm");
    assertThat(QemuConfig.kvmUsable(kvm)).isFalse();
    assertThat(kvm).doesNotExist();
  }

  @Test
  void aDeviceThatOpensReadWriteIsUsable(@TempDir Path dir) throws Exception {
    assertThat(QemuConfig.kvmUsable(Files.createFile(dir.resolve("kvm")))).isTrue();
  }

  @Test
  void explicitAcceleratorsOverrideDetection() {
    assertThat(QemuConfig.of("qemu").withAccel(QemuConfig.Accel.TCG).useKvm()).isFalse();
    assertThat(QemuConfig.of("qemu").withAccel(QemuConfig.Accel.KVM).useKvm()).isTrue();
    assertThat(QemuConfig.of("qemu").accel()).isEqualTo(QemuConfig.Accel.AUTO);
    assertThat(QemuConfig.of("qemu").qmpTimeout()).isEqualTo(QemuConfig.DEFAULT_QMP_TIMEOUT);
  }

  @Test
  void theDriversBootArgsCarryTheSoftwareClockFixOnlyWithoutKvm() {
    assertThat(new QemuVmm(QemuConfig.of("qemu").withAccel(QemuConfig.Accel.TCG)).bootArgs("ip=off", "quiet"))
        .startsWith("console=ttyS0 reboot=t panic=-1 tsc=reliable no_timer_check").endsWith(" ip=off quiet");
    assertThat(new QemuVmm(QemuConfig.of("qemu").withAccel(QemuConfig.Accel.KVM)).bootArgs(null, null))
        .isEqualTo(QemuBootArgs.BASE);
  }
}
