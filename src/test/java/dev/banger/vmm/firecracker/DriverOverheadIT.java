package dev.banger.vmm.firecracker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.host.ProcFs;
import dev.banger.vmm.BootArgs;
import dev.banger.vmm.BootConfig;
import dev.banger.vmm.LaunchSpec;
import dev.banger.vmm.ProcessIdentity;
import dev.banger.vmm.VmmProcess;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Times the driver's own share of a start, configure + InstanceStart (seven API calls), against a
 * warm stand-in served from this JVM, so neither a process start nor a cold JIT is counted.
 */
class DriverOverheadIT {
  private static final int WARMUP = 10;
  private static final int RUNS = 30;

  @TempDir Path tmp;

  @Test
  void configureAndBootTakeMillisecondsNotTens() throws Exception {
    Path vmDir = Files.createDirectories(tmp.resolve("vm"));
    LaunchSpec spec = LaunchSpec.of("0123abcd-bench", vmDir);
    ApiSchema schema = ApiSchema.locate(ApiSchema.repoRoot()).map(FakeProcesses::loadSchema).orElse(null);
    BootConfig boot = new BootConfig(
        Files.writeString(tmp.resolve("vmlinux"), "k"), null, BootArgs.firecracker(null, "quiet"),
        Files.writeString(tmp.resolve("root.ext4"), "r"), false, "bg0123abcd", "02:00:00:00:00:01", 1, 128);
    // A process whose cmdline names the socket, so the driver's identity checks pass for real.
    Process holder = new ProcessBuilder("sh", "-c", "sleep 600", spec.apiSocket().toString()).start();
    try {
      ProcFs procFs = new ProcFs();
      ProcessIdentity identity =
          new ProcessIdentity(holder.pid(), procFs.startTime(holder.pid()).orElseThrow(), spec.apiSocket());
      FirecrackerVmm vmm = new FirecrackerVmm(FirecrackerConfig.of("unused"), procFs);
      VmmProcess process = vmm.adopt(identity, spec).orElseThrow();
      List<Long> micros = new ArrayList<>();
      for (int i = 0; i < WARMUP + RUNS; i++) {
        Files.deleteIfExists(spec.apiSocket());
        try (ServerSocketChannel server = FakeFirecracker.serveInProcess(spec.apiSocket(), spec.vmId(), schema)) {
          long t0 = System.nanoTime();
          vmm.configure(process, boot);
          vmm.boot(process);
          long t1 = System.nanoTime();
          if (i >= WARMUP) {
            micros.add((t1 - t0) / 1000);
          }
          assertThat(server.isOpen()).isTrue();
        }
      }
      Files.deleteIfExists(spec.apiSocket());
      List<Long> getMicros = new ArrayList<>();
      try (ServerSocketChannel server = FakeFirecracker.serveInProcess(spec.apiSocket(), spec.vmId(), schema)) {
        FirecrackerClient client = new FirecrackerClient(spec.vmId(), spec.apiSocket(), Duration.ofSeconds(5));
        for (int i = 0; i < 200; i++) {
          long t0 = System.nanoTime();
          client.send(FirecrackerCalls.describe());
          getMicros.add((System.nanoTime() - t0) / 1000);
        }
        assertThat(server.isOpen()).isTrue();
      }
      Collections.sort(getMicros);
      System.out.printf("one API round trip (GET /, new connection each): median %d us%n", getMicros.get(100));
      Collections.sort(micros);
      long median = micros.get(micros.size() / 2);
      System.out.printf("driver configure+boot against a warm in-process stand-in: median %d us, p90 %d us, max %d us (%d runs)%n",
          median, micros.get(micros.size() * 9 / 10), micros.get(micros.size() - 1), RUNS);
      assertThat(median).as("median configure+boot in microseconds").isLessThan(100_000);
    } finally {
      holder.destroyForcibly();
      holder.waitFor(5, TimeUnit.SECONDS);
    }
  }
}
