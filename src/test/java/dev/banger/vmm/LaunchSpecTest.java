package dev.banger.vmm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LaunchSpecTest {
  @Test
  void defaultsLiveInTheVmDirectory() {
    LaunchSpec spec = LaunchSpec.of("0123abcd", Path.of("/var/lib/banger/vms/0123abcd"));
    assertThat(spec.apiSocket()).isEqualTo(Path.of("/var/lib/banger/vms/0123abcd/fc.sock"));
    assertThat(spec.consoleLog()).isEqualTo(Path.of("/var/lib/banger/vms/0123abcd/console.log"));
    assertThat(spec.netns()).isNull();
  }

  @Test
  void socketPathsOverTheUnixLimitAreRefused() {
    assertThatThrownBy(() -> LaunchSpec.of("0123abcd", Path.of("/" + "d".repeat(100))))
        .isInstanceOf(BangerException.class)
        .hasMessageContaining("at most 107");
  }

  @Test
  void idsFirecrackerWouldRejectAreRefused() {
    assertThatThrownBy(() -> LaunchSpec.of("bad_id", Path.of("/v"))).isInstanceOf(BangerException.class);
    assertThatThrownBy(() -> LaunchSpec.of("", Path.of("/v"))).isInstanceOf(BangerException.class);
    assertThatThrownBy(() -> LaunchSpec.of("0123abcd", Path.of("/v")).withNetns("../x"))
        .isInstanceOf(BangerException.class);
  }

  @Test
  void bootConfigNeedsTapAndMacTogether() {
    assertThatThrownBy(() -> new BootConfig(Path.of("/k"), null, "", Path.of("/r"), false, "bg01234567", null, 1, 128))
        .isInstanceOf(BangerException.class).hasMessageContaining("MAC");
    assertThatThrownBy(() -> new BootConfig(Path.of("/k"), null, "", Path.of("/r"), false, null, "02:00:00:00:00:01", 1, 128))
        .isInstanceOf(BangerException.class);
    assertThatThrownBy(() -> new BootConfig(Path.of("/k"), null, "", Path.of("/r"), false, null, null, 0, 128))
        .isInstanceOf(BangerException.class).hasMessageContaining("vCPUs");
  }

  @Test
  void commandLineWrapsWithNetnsSetsidAndTheConsoleFifo() {
    LaunchSpec spec = LaunchSpec.of("0123abcd", Path.of("/v")).withNetns("bangerns");
    assertThat(new VmmLauncher(new dev.banger.host.ProcFs(), true).commandLine(spec, java.util.List.of("fc", "--x")))
        .containsExactly("ip", "netns", "exec", "bangerns", "setsid",
            "sh", "-c", VmmLauncher.STDIN_FIFO_SCRIPT, "/v/console.in", "fc", "--x");
    assertThat(new VmmLauncher(new dev.banger.host.ProcFs(), false).commandLine(spec.withNetns(null), java.util.List.of("fc")))
        .containsExactly("sh", "-c", VmmLauncher.STDIN_FIFO_SCRIPT, "/v/console.in", "fc");
  }
}
