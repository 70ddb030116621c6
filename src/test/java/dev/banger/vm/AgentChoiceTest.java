package dev.banger.vm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.model.GuestSetup;
import dev.banger.model.VmRuntime;
import dev.banger.model.VmSpec;
import dev.banger.model.VmState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** runtime.access: the per-boot record the guest.init step writes, and banger-init's console line. */
class AgentChoiceTest {
  @TempDir Path dir;

  private static VmSpec spec(String init, String kernelArgs) {
    return new VmSpec("img", "k", 1, 256, 0, kernelArgs, null, null, "qemu", null, false, init, null, null, null, null,
        null, null, false, false, null);
  }

  private VmRuntime runtime(String bootId, long offset) {
    return new VmRuntime("0123456789abcdef", "vm", VmState.RUNNING, dir.toString(), null, null,
        dir.resolve("console.log").toString(), null, null, null, null, Instant.EPOCH, null, null, null, null, null, null,
        GuestSetup.DONE, null, null, null, bootId, offset);
  }

  private void console(String text) throws Exception {
    Files.writeString(dir.resolve("console.log"), text, StandardCharsets.UTF_8);
  }

  @Test
  void containerModeAlwaysHasTheAgent() {
    assertThat(AgentChoice.of(spec("banger", "init=/x"), runtime(null, 0)).mode()).isEqualTo("agent");
  }

  @Test
  void anImageModeBootUsesTheAgentOnceBangerInitFoundAChannel() throws Exception {
    VmRuntime boot = runtime("b1", 0);
    AgentChoice.record(boot, new AgentChoice.Access("agent", null));
    assertThat(AgentChoice.firstStage(boot)).isTrue();
    // Before banger-init has said anything the agent is counted on; exec waits for it.
    assertThat(AgentChoice.of(spec("image", ""), boot).agent()).isTrue();
    console("""
        banger-initrd: switching root to /dev/vda, running /.banger/init
        banger-init: guest agent on virtio-serial port dev.banger.agent; running /sbin/init
        """.replace("\n", "\r\n")); // a serial console's line ends
    assertThat(AgentChoice.of(spec("image", ""), boot).agent()).isTrue();
  }

  @Test
  void noChannelMeansSshAndSaysWhy() throws Exception {
    VmRuntime boot = runtime("b1", 0);
    AgentChoice.record(boot, new AgentChoice.Access("agent", null));
    // The second line would be the image's forgery: only the first counts.
    console("""
        banger-init: guest agent not started (no virtio-serial port dev.banger.agent and no vsock device); running /sbin/init
        banger-init: guest agent on virtio-serial port dev.banger.agent; running /sbin/init
        """);
    AgentChoice.Access access = AgentChoice.of(spec("image", ""), boot);
    assertThat(access.mode()).isEqualTo("ssh");
    assertThat(access.reason()).isEqualTo("banger's agent did not start in the guest: no virtio-serial port dev.banger.agent"
        + " and no vsock device");
  }

  @Test
  void onlyThisBootsConsoleCounts() throws Exception {
    String earlier = "banger-init: guest agent not started (no vsock device); running /sbin/init\n";
    console(earlier + "banger-init: guest agent on vsock port 10789; running /sbin/init\n");
    VmRuntime boot = runtime("b2", earlier.length());
    AgentChoice.record(boot, new AgentChoice.Access("agent", null));
    assertThat(AgentChoice.of(spec("image", ""), boot).agent()).isTrue();
  }

  @Test
  void aRecordOfAnotherBootOrNoneMeansSsh() throws Exception {
    VmRuntime boot = runtime("b1", 0);
    assertThat(AgentChoice.of(spec("image", ""), boot).reason()).contains("did not start banger's agent");
    AgentChoice.record(runtime("b0", 0), new AgentChoice.Access("agent", null));
    assertThat(AgentChoice.of(spec("image", ""), boot).mode()).isEqualTo("ssh");
    assertThat(AgentChoice.firstStage(boot)).isFalse();
    Files.writeString(dir.resolve(AgentChoice.FILE), "garbage");
    assertThat(AgentChoice.of(spec("image", ""), boot).mode()).isEqualTo("ssh");
  }

  @Test
  void anInitOnTheUsersKernelArgumentsMeansSsh() throws Exception {
    VmSpec own = spec("image", "console=ttyS0 init=/bin/sh");
    assertThat(AgentChoice.staticReason(own)).contains("--kernel-args sets init=");
    assertThat(AgentChoice.staticReason(spec("image", "rdinit=/x systemd.unit=rescue.target"))).isNull();
    // Never started: what its first boot will do.
    assertThat(AgentChoice.of(own, runtime(null, 0)).mode()).isEqualTo("ssh");
    assertThat(AgentChoice.of(spec("image", ""), runtime(null, 0)).mode()).isEqualTo("agent");
    VmRuntime boot = runtime("b1", 0);
    AgentChoice.record(boot, AgentChoice.Access.ssh(AgentChoice.staticReason(own)));
    assertThat(AgentChoice.of(own, boot).reason()).contains("--kernel-args sets init=");
    assertThat(AgentChoice.firstStage(boot)).isFalse();
  }
}
