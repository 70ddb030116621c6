package dev.banger.vmm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import org.junit.jupiter.api.Test;

class BootArgsTest {
  private static final String IP = "ip=172.16.0.2::172.16.0.1:255.255.255.252::eth0:off";

  @Test
  void baseThenNetworkThenUserArgs() {
    assertThat(BootArgs.firecracker(IP, "quiet  init=/sbin/init"))
        .isEqualTo("console=ttyS0 reboot=k panic=1 " + IP + " quiet init=/sbin/init");
  }

  @Test
  void blankPartsAreSkipped() {
    assertThat(BootArgs.firecracker(null, null)).isEqualTo("console=ttyS0 reboot=k panic=1");
    assertThat(BootArgs.firecracker("", "  \t ")).isEqualTo("console=ttyS0 reboot=k panic=1");
  }

  @Test
  void controlCharactersAreRefused() {
    assertThatThrownBy(() -> BootArgs.firecracker(null, "quiet\ninit=/bin/sh"))
        .isInstanceOf(BangerException.class)
        .hasMessageContaining("control characters");
  }

  @Test
  void overLongLinesAreRefused() {
    assertThatThrownBy(() -> BootArgs.firecracker(IP, "x".repeat(BootArgs.MAX_BYTES)))
        .isInstanceOf(BangerException.class)
        .hasMessageContaining("shorten --kernel-args");
  }
}
