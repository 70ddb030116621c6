package dev.banger.vmm.firecracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.error.BangerException;
import dev.banger.host.ProcFs;
import dev.banger.vmm.BootArgs;
import dev.banger.vmm.BootConfig;
import dev.banger.vmm.LaunchSpec;
import dev.banger.vmm.VmmProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Firecracker saved-state path against the stand-in, which checks every body against the
 * v1.16.1 schema: pause and resume ({@code PATCH /vm}), {@code PUT /snapshot/create} of a paused
 * VM, {@code PUT /snapshot/load} on a fresh process (after logger and metrics only), and a failed
 * load, which ends the process and leaves nothing behind once the driver cleans up.
 */
class FirecrackerSnapshotIT {
  @TempDir Path tmp;
  private final ProcFs procFs = new ProcFs();
  private final List<VmmProcess> started = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    for (VmmProcess vmm : started) {
      if (vmm.kill()) {
        vmm.awaitExit(Duration.ofSeconds(5));
      }
    }
  }

  private VmmProcess track(VmmProcess process) {
    started.add(process);
    return process;
  }

  private String state(VmmProcess process) {
    return new FirecrackerClient("x", process.spec().apiSocket(), Duration.ofSeconds(10)).send(FirecrackerCalls.describe());
  }

  @Test
  void pauseSnapshotAndLoadOnAFreshProcessThenAFailedLoadLeavesNothing() throws IOException {
    Path vmDir = Files.createDirectories(tmp.resolve("vm"));
    Path kernel = Files.writeString(tmp.resolve("vmlinux"), "not really a kernel");
    Path rootfs = Files.writeString(tmp.resolve("root.ext4"), "not really a disk");
    BootConfig boot = new BootConfig(kernel, null, BootArgs.firecracker(null, ""), rootfs, false,
        "bg0123abcd", "02:00:ac:10:00:02", 1, 64);
    Path record = tmp.resolve("requests.log");
    FirecrackerVmm vmm = new FirecrackerVmm(FirecrackerConfig.of(FakeFirecrackerBinary.builder().record(record)
        .write(tmp).toString()).withSocketTimeout(Duration.ofSeconds(60)), procFs);
    LaunchSpec spec = LaunchSpec.of("0123abcd-snap", vmDir);

    VmmProcess first = track(vmm.launch(spec, boot));
    vmm.configure(first, boot);
    vmm.boot(first);
    vmm.pause(first);
    assertThat(state(first)).contains("\"Paused\"");
    Path saving = Files.createDirectories(vmDir.resolve("saving"));
    vmm.saveState(first, saving);
    assertThat(saving.resolve(FirecrackerCalls.SNAPSHOT_FILE)).isRegularFile();
    assertThat(Files.size(saving.resolve(FirecrackerCalls.MEMORY_FILE))).isEqualTo(64L << 20);
    vmm.resume(first);
    assertThat(state(first)).contains("\"Running\"");
    vmm.stop(first, Duration.ofSeconds(10));
    vmm.cleanup(spec);

    VmmProcess second = track(vmm.launchForRestore(spec, boot));
    vmm.restore(second, boot, saving);
    assertThat(state(second)).as("loaded paused").contains("\"Paused\"");
    vmm.resume(second);
    assertThat(state(second)).contains("\"Running\"");
    vmm.kill(second);
    second.awaitExit(Duration.ofSeconds(10));
    vmm.cleanup(spec);

    // Every request had a 2xx answer from a schema-checking stand-in; the load followed logging only.
    List<String> requests = Files.readAllLines(record, StandardCharsets.UTF_8);
    assertThat(String.join("\n", requests)).contains("PATCH /vm").contains("PUT /snapshot/create").contains("PUT /snapshot/load")
        .contains("\"network_overrides\":[{\"iface_id\":\"eth0\",\"host_dev_name\":\"bg0123abcd\"}]");

    Files.writeString(saving.resolve(FirecrackerCalls.SNAPSHOT_FILE), "{\"torn\":");
    VmmProcess third = track(vmm.launchForRestore(spec, boot));
    assertThatThrownBy(() -> vmm.restore(third, boot, saving)).isInstanceOf(BangerException.class)
        .hasMessageContaining("snapshot/load");
    assertThat(third.awaitExit(Duration.ofSeconds(10))).as("a failed load ends the process").isPresent();
    vmm.cleanup(spec);
    assertThat(third.identity().matches(procFs)).isFalse();
    assertThat(spec.apiSocket()).doesNotExist();
  }
}
