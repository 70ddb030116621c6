package dev.banger.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.model.VmSpec.PortForward;
import org.junit.jupiter.api.Test;

class PortForwardTest {
  @Test
  void parsesHostPortGuestPortAndAProtocolThatDefaultsToTcp() {
    assertThat(PortForward.parse("8080:80")).isEqualTo(new PortForward(8080, 80, "tcp"));
    assertThat(PortForward.parse("5353:53/udp")).isEqualTo(new PortForward(5353, 53, "udp"));
    assertThat(PortForward.parse(" 2222:22/TCP ")).isEqualTo(new PortForward(2222, 22, "tcp"));
    assertThat(PortForward.parse("8080:80").hostSide()).isEqualTo("8080/tcp");
  }

  @Test
  void rejectsWhatIsNotAPortSpec() {
    for (String bad : new String[] {"80", "8080:", ":80", "a:b", "8080:80/sctp", "0:80", "8080:65536", "99999:1", "1:2:3", ""}) {
      assertThatThrownBy(() -> PortForward.parse(bad)).as(bad).isInstanceOf(BangerException.class);
    }
  }

  @Test
  void checkedNormalisesAStoredForward() {
    assertThat(new PortForward(80, 8080, null).checked()).isEqualTo(new PortForward(80, 8080, "tcp"));
    assertThat(new PortForward(80, 8080, "UDP").checked().protocol()).isEqualTo("udp");
    assertThatThrownBy(() -> new PortForward(80, 0, "tcp").checked()).hasMessageContaining("out of range");
  }
}
