package dev.banger.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FrameTest {
  @Test
  void roundTripsEveryType() throws Exception {
    for (Frame.Type type : Frame.Type.values()) {
      Frame f = new Frame(type, 0x7fff0001, new byte[] {1, 2, 3});
      Frame back = Frame.read(new ByteArrayInputStream(f.encode()));
      assertThat(back.type()).isEqualTo(type);
      assertThat(back.session()).isEqualTo(0x7fff0001);
      assertThat(back.payload()).containsExactly(1, 2, 3);
    }
  }

  @Test
  void aCleanEndBetweenFramesIsNull() throws Exception {
    assertThat(Frame.read(new ByteArrayInputStream(new byte[0]))).isNull();
  }

  @Test
  void aHugeLengthIsRefusedBeforeAnythingIsAllocated() {
    // 4 GiB - 1 announced, nothing behind it: refused from the header alone.
    byte[] header = ByteBuffer.allocate(Frame.HEADER).putInt(-1).put((byte) 4).putInt(1).array();
    assertThatThrownBy(() -> Frame.read(new ByteArrayInputStream(header)))
        .isInstanceOf(AgentProtocolException.class).hasMessageContaining("4294967295").hasMessageContaining("cap");
    byte[] oneOver = ByteBuffer.allocate(Frame.HEADER).putInt(Frame.MAX_PAYLOAD + 1).put((byte) 4).putInt(1).array();
    assertThatThrownBy(() -> Frame.read(new ByteArrayInputStream(oneOver))).isInstanceOf(AgentProtocolException.class);
  }

  @Test
  void unknownTypesAndTruncatedFramesAreProtocolErrors() {
    byte[] unknown = ByteBuffer.allocate(Frame.HEADER).putInt(0).put((byte) 99).putInt(1).array();
    assertThatThrownBy(() -> Frame.read(new ByteArrayInputStream(unknown)))
        .isInstanceOf(AgentProtocolException.class).hasMessageContaining("unknown frame type 99");
    byte[] whole = new Frame(Frame.Type.STDOUT, 1, new byte[100]).encode();
    assertThatThrownBy(() -> Frame.read(new ByteArrayInputStream(Arrays.copyOf(whole, 50))))
        .isInstanceOf(AgentProtocolException.class).hasMessageContaining("ended inside a STDOUT frame");
    assertThatThrownBy(() -> Frame.read(new ByteArrayInputStream(Arrays.copyOf(whole, 4))))
        .isInstanceOf(AgentProtocolException.class).hasMessageContaining("header");
  }

  @Test
  void payloadsOverTheCapCannotBeMade() {
    assertThatThrownBy(() -> new Frame(Frame.Type.STDIN, 1, new byte[Frame.MAX_PAYLOAD + 1]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void execSpecsRoundTripAndRefuseWhatNoProcessCanReceive() {
    ExecSpec spec = new ExecSpec(java.util.List.of("printf", "%s", "a=b", ""), java.util.List.of("K=V=W"), "/tmp", "app:app",
        true, false, 24, 80);
    assertThat(ExecSpec.decode(spec.encode())).isEqualTo(spec);
    assertThatThrownBy(() -> ExecSpec.of(java.util.List.of("a\0b"))).hasMessageContaining("NUL");
    assertThatThrownBy(() -> ExecSpec.of(java.util.List.of())).hasMessageContaining("needs a command");
    assertThatThrownBy(() -> ExecSpec.of(java.util.List.of("x".repeat(Frame.MAX_PAYLOAD))).encode())
        .hasMessageContaining("at most");
    assertThatThrownBy(() -> ExecSpec.decode("banger-init=1\0bogus=1\0".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .hasMessageContaining("unknown key 'bogus'");
  }
}
