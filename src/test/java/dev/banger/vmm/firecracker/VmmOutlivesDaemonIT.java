package dev.banger.vmm.firecracker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.host.ProcFs;
import dev.banger.vmm.LaunchSpec;
import dev.banger.vmm.ProcessIdentity;
import dev.banger.vmm.VmmExit;
import dev.banger.vmm.VmmProcess;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM outlives its daemon: a separate JVM launches and boots a VMM, then dies by SIGKILL; the
 * VMM keeps running in its own session, and a new "daemon" (this JVM) adopts and stops it.
 */
class VmmOutlivesDaemonIT {
  @TempDir Path tmp;

  @Test
  void theVmmSurvivesADaemonKilledWithSigkillAndIsAdoptedAfterwards() throws Exception {
    Path vmDir = Files.createDirectories(tmp.resolve("vm"));
    Path kernel = Files.writeString(tmp.resolve("vmlinux"), "k");
    Path disk = Files.writeString(tmp.resolve("root.ext4"), "r");
    Path bin = FakeFirecrackerBinary.builder().write(tmp);
    Process daemon = new ProcessBuilder(
            FakeFirecrackerBinary.javaBinary().toString(), "-cp", FakeFirecrackerBinary.classPath(),
            LaunchThenDie.class.getName(), bin.toString(), vmDir.toString(), kernel.toString(), disk.toString())
        .redirectError(tmp.resolve("daemon.err").toFile())
        .start();
    ProcFs procFs = new ProcFs();
    LaunchSpec spec = LaunchSpec.of("0123abcd-daemon", vmDir);
    ProcessIdentity identity = null;
    try {
      String line = new BufferedReader(new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8)).readLine();
      assertThat(line).as("daemon stderr: %s", Files.readString(tmp.resolve("daemon.err"))).isNotNull();
      String[] parts = line.trim().split(" ");
      identity = new ProcessIdentity(Long.parseLong(parts[0]), Long.parseLong(parts[1]), spec.apiSocket());

      daemon.destroyForcibly();
      assertThat(daemon.waitFor(10, TimeUnit.SECONDS)).isTrue();
      Thread.sleep(500);

      assertThat(identity.matches(procFs)).as("the VMM survived its daemon").isTrue();
      String stat = Files.readString(Path.of("/proc", Long.toString(identity.pid()), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      assertThat(Long.parseLong(fields[3])).as("session id: the VMM leads its own session").isEqualTo(identity.pid());

      FirecrackerVmm vmm = new FirecrackerVmm(FirecrackerConfig.of(bin.toString()), procFs);
      Optional<VmmProcess> adopted = vmm.adopt(identity, spec);
      assertThat(adopted).isPresent();
      VmmExit exit = vmm.stop(adopted.get(), Duration.ofSeconds(10));
      assertThat(exit.forced()).as("graceful stop through the API: " + exit.describe()).isFalse();
      assertThat(identity.matches(procFs)).isFalse();
    } finally {
      daemon.destroyForcibly();
      if (identity != null && identity.matches(procFs)) {
        ProcessHandle.of(identity.pid()).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }
}
