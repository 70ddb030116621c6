package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bad --vm-to-vm stops the daemon with one clear line before it sets up any network. */
class VmToVmSettingIT {
  @TempDir Path work;
  private Banger banger;

  @AfterEach
  void tearDown() {
    if (banger != null) {
      banger.close();
    }
  }

  @Test
  void aBadValueIsRefusedBeforeTheNetworkIsTouched() throws Exception {
    banger = new Banger(work);
    banger.env("BANGER_VM_TO_VM", "sometimes");
    Process daemon = banger.spawnDaemon();
    assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(daemon.exitValue()).isNotZero();
    assertThat(banger.daemonLog()).contains("--vm-to-vm must be allow or deny, got 'sometimes'");
    assertThat(banger.netns().links()).as("no bridge was made").doesNotContain("banger0");
  }
}
