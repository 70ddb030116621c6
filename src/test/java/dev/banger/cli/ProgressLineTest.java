package dev.banger.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.api.StreamEvent.Progress;
import org.junit.jupiter.api.Test;

class ProgressLineTest {
  @Test
  void showsLayerBytesAndPhase() {
    assertThat(ProgressLine.render(new Progress("build", 2, 3, 47_290_000L, 125_829_120L)))
        .isEqualTo("layer 2/3  45.1 MiB / 120.0 MiB  build");
  }

  @Test
  void leavesOutWhatIsNotKnown() {
    assertThat(ProgressLine.render(Progress.START)).isEmpty();
    assertThat(ProgressLine.render(new Progress("scan", 0, 0, -1, -1))).isEqualTo("scan");
    assertThat(ProgressLine.render(new Progress("scan", 1, 4, -1, -1))).isEqualTo("layer 1/4  scan");
    assertThat(ProgressLine.render(new Progress("download", 0, 2, 1536, -1))).isEqualTo("1.5 KiB  download");
  }

  @Test
  void bytesUseBinaryUnitsWithOneDecimal() {
    assertThat(ProgressLine.bytes(0)).isEqualTo("0 B");
    assertThat(ProgressLine.bytes(1023)).isEqualTo("1023 B");
    assertThat(ProgressLine.bytes(1024)).isEqualTo("1.0 KiB");
    assertThat(ProgressLine.bytes(3L << 30)).isEqualTo("3.0 GiB");
    assertThat(ProgressLine.bytes(5L << 40)).isEqualTo("5.0 TiB");
    assertThat(ProgressLine.bytes(Long.MAX_VALUE)).endsWith(" TiB");
  }

  @Test
  void neverWiderThanAnEightyColumnTerminal() {
    String line = ProgressLine.render(new Progress("p".repeat(200), 99_999, 99_999, Long.MAX_VALUE, Long.MAX_VALUE));
    assertThat(line).hasSizeLessThanOrEqualTo(79).startsWith("layer 99999/99999");
  }
}
