package dev.banger.vmm.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class QemuBootArgsTest {
  private static final String NET = "ip=172.16.0.2::172.16.0.1:255.255.255.252::eth0:off";

  @Test
  void underKvmTheLineIsTheBaseThenTheNetworkThenTheUsersArguments() {
    assertThat(QemuBootArgs.of(NET, "quiet", false, OptionalLong.of(2_000_000)))
        .isEqualTo("console=ttyS0 reboot=t panic=-1 " + NET + " quiet");
  }

  @Test
  void softwareEmulationTrustsTheTscAndSkipsItsCalibration() {
    assertThat(QemuBootArgs.of(null, null, true, OptionalLong.of(2_095_987)))
        .isEqualTo("console=ttyS0 reboot=t panic=-1 tsc=reliable no_timer_check tsc_early_khz=2095987");
    assertThat(QemuBootArgs.of(null, " ", true, OptionalLong.empty()))
        .isEqualTo("console=ttyS0 reboot=t panic=-1 tsc=reliable no_timer_check");
  }

  @Test
  void theUsersArgumentsComeLastSoTheyCanOverrideTheBase() {
    assertThat(QemuBootArgs.of(NET, "panic=5 tsc_early_khz=1000", true, OptionalLong.of(2_000_000)))
        .endsWith("tsc_early_khz=2000000 " + NET + " panic=5 tsc_early_khz=1000");
  }

  @Test
  void controlCharactersAreRejected() {
    assertThatThrownBy(() -> QemuBootArgs.of(null, "init=/bin/sh\nrw", true, OptionalLong.empty()))
        .isInstanceOf(BangerException.class).hasMessageContaining("control characters");
  }

  @Test
  void theTscRateIsTheFirstCpuMhzLineInKhz() {
    assertThat(QemuBootArgs.tscKhz(List.of("processor\t: 0", "cpu MHz\t\t: 2095.987", "cpu MHz\t\t: 1000.000")))
        .hasValue(2_095_987);
    assertThat(QemuBootArgs.tscKhz(List.of("processor\t: 0", "model name\t: ARM"))).isEmpty();
    assertThat(QemuBootArgs.tscKhz(List.of("cpu MHz\t\t: fast"))).isEmpty();
    assertThat(QemuBootArgs.tscKhz(List.of("cpu MHz\t\t: 0.000"))).isEmpty();
  }
}
