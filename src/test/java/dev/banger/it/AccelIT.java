package dev.banger.it;

import dev.banger.testing.Leaks;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.image.TarBuilder;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's --accel setting through the CLI, against the Firecracker stand-in: what each VM
 * runs under is shown, {@code auto} picks the VMM, and Firecracker is refused at create and at
 * start where KVM is not to be used, with nothing created or left behind.
 */
class AccelIT {
  @TempDir Path work;
  private Banger banger;

  @AfterEach
  void tearDown() throws Exception {
    try {
      if (banger != null) {
        assertThat(Leaks.find(banger.netns(), banger.stateDir())).isEmpty();
      }
    } finally {
      if (banger != null) {
        banger.close();
      }
    }
  }

  private Map<String, Object> inspect(String name) throws Exception {
    Banger.Run run = banger.run("inspect", name);
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    return JSON.std.mapFrom(run.stdout());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> part(Map<String, Object> vm, String key) {
    return (Map<String, Object>) vm.get(key);
  }

  @Test
  void firecrackerRunsWhereKvmIsTrustedAndIsRefusedWhereItIsNot() throws Exception {
    banger = new Banger(work);
    banger.useFirecrackerStandIn(work); // --accel kvm
    banger.env("BANGER_DEFAULT_VMM", "auto");
    Process daemon = banger.startDaemon();
    banger.importTinyImageAndKernel(work, new TarBuilder().dir("etc").dir("sbin"));

    // auto: Firecracker is installed and KVM is trusted, so a VM without --vmm gets it.
    assertThat(banger.run("create", "tiny", "--name", "fast").exitCode()).isZero();
    assertThat(part(inspect("fast"), "spec").get("vmm")).isEqualTo("firecracker");
    assertThat(part(inspect("fast"), "runtime").get("accel")).as("not started yet").isNull();
    Banger.Run started = banger.run("start", "fast");
    assertThat(started.exitCode()).as(started.stderr()).isZero();
    assertThat(part(inspect("fast"), "runtime").get("accel")).isEqualTo("kvm");
    assertThat(banger.run("ls").stdout()).contains("VMM").contains("firecracker/kvm");
    assertThat(JSON.std.listFrom(banger.run("ls", "--json").stdout()))
        .singleElement().satisfies(vm -> assertThat(((Map<?, ?>) vm).get("accel")).isEqualTo("kvm"));
    assertThat(banger.run("stop", "fast").exitCode()).isZero();
    banger.stop(daemon);

    // --accel tcg: KVM is not to be used, so Firecracker cannot run.
    banger.env("BANGER_ACCEL", "tcg");
    banger.startDaemon();
    Banger.Run refused = banger.run("start", "fast");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.stderr().strip().lines()).singleElement().satisfies(line -> assertThat(line)
        .contains("firecracker needs KVM").contains("--accel tcg").contains("--vmm qemu"));
    assertThat(inspect("fast").get("state")).as("a refused start changes nothing").isEqualTo("stopped");

    Banger.Run create = banger.run("create", "tiny", "--name", "other", "--vmm", "firecracker");
    assertThat(create.exitCode()).isEqualTo(1);
    assertThat(create.stderr()).contains("firecracker needs KVM").contains("--accel tcg");
    assertThat(banger.run("inspect", "other").exitCode()).as("nothing was created").isEqualTo(1);

    // auto now picks QEMU, which can emulate.
    assertThat(banger.run("create", "tiny", "--name", "slow").exitCode()).isZero();
    assertThat(part(inspect("slow"), "spec").get("vmm")).isEqualTo("qemu");
    assertThat(banger.run("rm", "fast", "slow").exitCode()).isZero();
  }

  @Test
  void aBadSettingStopsTheDaemonWithOneClearLine() throws Exception {
    banger = new Banger(work);
    banger.env("BANGER_ACCEL", "hvf");
    Process daemon = banger.spawnDaemon();
    assertThat(daemon.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(daemon.exitValue()).isNotZero();
    assertThat(banger.daemonLog()).contains("--accel must be auto, kvm or tcg, got 'hvf'");
  }
}
