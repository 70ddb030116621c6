package dev.banger.vmm.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.vmm.Accel;
import org.junit.jupiter.api.Test;

class QemuConfigTest {
  @Test
  void defaults() {
    assertThat(QemuConfig.of("qemu").qmpTimeout()).isEqualTo(QemuConfig.DEFAULT_QMP_TIMEOUT);
    assertThat(QemuConfig.of("qemu").socketTimeout()).isEqualTo(QemuConfig.DEFAULT_SOCKET_TIMEOUT);
    assertThat(QemuConfig.of("qemu").newSession()).isTrue();
  }

  @Test
  void theDriversBootArgsCarryTheSoftwareClockFixOnlyUnderTcg() {
    QemuVmm vmm = new QemuVmm(QemuConfig.of("qemu"));
    assertThat(vmm.bootArgs(Accel.TCG, "ip=off", "quiet"))
        .startsWith("console=ttyS0 reboot=t panic=-1 tsc=reliable no_timer_check").endsWith(" ip=off quiet");
    assertThat(vmm.bootArgs(Accel.KVM, null, null)).isEqualTo(QemuBootArgs.BASE);
    assertThat(vmm.canEmulate()).isTrue();
  }
}
