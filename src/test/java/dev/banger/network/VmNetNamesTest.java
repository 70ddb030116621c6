package dev.banger.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class VmNetNamesTest {
  @Test
  void theTapIsBgAndEightHexCharactersWithinTheKernelLimit() {
    String tap = VmNetNames.tapName("0123abcd-5678-4def-9abc-def012345678");

    assertThat(tap).isEqualTo("bg0123abcd");
    assertThat(tap.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(15);
    assertThat(VmNetNames.TAP.matcher(tap).matches()).isTrue();
  }

  @Test
  void idsThatCannotNameATapAreRefused() {
    for (String bad : List.of("", "0123abc", "0123ABCD", "xyz12345", "0123abcd/../x", "0123abcd x")) {
      assertThatThrownBy(() -> VmNetNames.tapName(bad)).as(bad).isInstanceOf(BangerException.class);
    }
  }

  @Test
  void theMacIsStableLocallyAdministeredUnicastAndDiffersPerVm() {
    String mac = VmNetNames.mac("0123abcd-one");

    assertThat(mac).matches("([0-9a-f]{2}:){5}[0-9a-f]{2}").isEqualTo(VmNetNames.mac("0123abcd-one"));
    int first = HexFormat.fromHexDigits(mac.substring(0, 2));
    assertThat(first & 0x02).as("locally administered bit").isEqualTo(0x02);
    assertThat(first & 0x01).as("multicast bit").isZero();
    assertThat(VmNetNames.mac("0123abcd-two")).isNotEqualTo(mac);
  }

  @Test
  void theKernelIpArgumentHasTheDocumentedShape() {
    GuestNetwork guest =
        new GuestNetwork(NetworkMode.BRIDGE, "172.30.0.7", "172.30.0.1", "255.255.0.0", "02:00:00:00:00:01",
            "bg0123abcd", List.of("1.1.1.1"));

    assertThat(guest.kernelArg()).isEqualTo("ip=172.30.0.7::172.30.0.1:255.255.0.0::eth0:off");
    assertThat(guest.kernelArg("web-1")).isEqualTo("ip=172.30.0.7::172.30.0.1:255.255.0.0:web-1:eth0:off");
    assertThat(GuestNetwork.none().kernelArg()).isEmpty();
    assertThat(GuestNetwork.none().kernelArg("web-1")).isEmpty();
  }
}
