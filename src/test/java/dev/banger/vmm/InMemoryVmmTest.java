package dev.banger.vmm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-memory fake passes the same contract as the real driver, plus its own knobs. */
class InMemoryVmmTest extends VmmContract {
  @TempDir Path tmp;

  @Override
  protected Vmm vmm() {
    return new InMemoryVmm();
  }

  @Override
  protected Vmm vmmIgnoringStop() {
    return new InMemoryVmm().ignoreStopRequests();
  }

  @Override
  protected Vmm vmmExitingAfterBoot(int code) {
    return new InMemoryVmm().exitAfterBoot(code);
  }

  @Override
  protected LaunchSpec spec() {
    return LaunchSpec.of("0123abcd", tmp.resolve("vm"));
  }

  @Override
  protected BootConfig boot() {
    return new BootConfig(Path.of("/k"), null, BootArgs.firecracker(null, null), Path.of("/r"), false, null, null, 1, 128);
  }

  @Override
  protected Duration patience() {
    return Duration.ofSeconds(2);
  }

  @Test
  void injectedFailuresAndTheCallLog() {
    InMemoryVmm vmm = new InMemoryVmm().failOn(InMemoryVmm.Step.BOOT);
    VmmProcess process = vmm.launch(spec(), boot());
    vmm.configure(process, boot());
    assertThatThrownBy(() -> vmm.boot(process)).isInstanceOf(BangerException.class).hasMessageContaining("injected");
    vmm.stop(process, Duration.ofSeconds(1));

    assertThat(vmm.calls()).containsExactly("launch 0123abcd", "configure 0123abcd", "boot 0123abcd", "kill 0123abcd");
    assertThat(vmm.alive()).isEmpty();
  }
}
