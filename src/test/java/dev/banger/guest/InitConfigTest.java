package dev.banger.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class InitConfigTest {
  @Test
  void encodesNulTerminatedEntriesInOrder() {
    InitConfig c = new InitConfig(List.of("/bin/sh", "-c", "a=b c"), List.of("K=V=W"), "/w", "app:staff", "web", "id1",
        15, true, false, false);
    assertThat(c.encode()).isEqualTo("banger-init=1\0arg=/bin/sh\0arg=-c\0arg=a=b c\0env=K=V=W\0cwd=/w\0"
        + "user=app:staff\0hostname=web\0boot=id1\0stopsignal=15\0tty=1\0stdin=0\0poweroff=0\0");
    assertThat(c.encode().getBytes(StandardCharsets.UTF_8)).contains((byte) 0);
  }

  @Test
  void volumesGoLastWithTheirDeviceIdModeAndPath() {
    InitConfig c = new InitConfig(List.of("/app"), List.of(), null, null, "web", "id1", 15, false, false, true)
        .withVolumes(List.of(new InitConfig.Volume(0, false, "/data"), new InitConfig.Volume(1, true, "/a:b")));
    assertThat(c.encode()).endsWith("poweroff=1\0volume=bvol0:rw:/data\0volume=bvol1:ro:/a:b\0");
  }

  @Test
  void refusesWhatAProcessCannotReceive() {
    assertThatThrownBy(() -> new InitConfig(List.of(), List.of(), null, null, "h", "b", 15, false, false, false))
        .hasMessageContaining("no command to run");
    assertThatThrownBy(() -> new InitConfig(List.of("a\0b"), List.of(), null, null, "h", "b", 15, false, false, false))
        .hasMessageContaining("NUL");
    assertThatThrownBy(() -> new InitConfig(List.of("a"), List.of("NOVALUE"), null, null, "h", "b", 15, false, false, false))
        .hasMessageContaining("not KEY=VALUE");
    assertThatThrownBy(() -> new InitConfig(List.of("a"), List.of(), "rel", null, "h", "b", 15, false, false, false))
        .hasMessageContaining("not an absolute path");
  }

  @Test
  void stopSignalsByNameOrNumber() {
    assertThat(InitConfig.signalNumber(null)).isEqualTo(15);
    assertThat(InitConfig.signalNumber("SIGQUIT")).isEqualTo(3);
    assertThat(InitConfig.signalNumber("winch")).isEqualTo(28);
    assertThat(InitConfig.signalNumber("9")).isEqualTo(9);
    assertThatThrownBy(() -> InitConfig.signalNumber("SIGNOPE")).hasMessageContaining("not a signal name");
    assertThatThrownBy(() -> InitConfig.signalNumber("99")).hasMessageContaining("not a signal name");
  }

  @Test
  void exitRecordsAreParsedStrictly() {
    assertThat(ExitRecord.parse("banger-exit 1\nboot b\ncode 0\n".getBytes(StandardCharsets.UTF_8), "b"))
        .contains(new ExitRecord(0, null));
    assertThat(ExitRecord.parse("banger-exit 1\nboot b\ncode 127\nerror exec \"x\": not found\n"
        .getBytes(StandardCharsets.UTF_8), "b")).contains(new ExitRecord(127, "exec \"x\": not found"));
    for (String bad : List.of("", "banger-exit 2\nboot b\ncode 0\n", "banger-exit 1\nboot c\ncode 0\n",
        "banger-exit 1\nboot b\ncode 256\n", "banger-exit 1\nboot b\ncode -1\n", "banger-exit 1\nboot b\ncode 1\njunk\n")) {
      assertThat(ExitRecord.parse(bad.getBytes(StandardCharsets.UTF_8), "b")).as(bad).isEmpty();
    }
    assertThat(ExitRecord.parse(new byte[ExitRecord.MAX_BYTES + 1], "b")).isEmpty();
  }

  @Test
  void theFirstStagesConfigNamesOnlyTheImagesInit() {
    assertThat(InitConfig.firstStage("web", "b1", "/sbin/init"))
        .isEqualTo("banger-init=1\0next=/sbin/init\0hostname=web\0boot=b1\0");
    assertThatThrownBy(() -> InitConfig.firstStage("web", "b1", "sbin/init")).hasMessageContaining("not absolute");
    assertThatThrownBy(() -> InitConfig.firstStage("web", "b1", "/sbin/in\0it")).hasMessageContaining("NUL");
  }
}
