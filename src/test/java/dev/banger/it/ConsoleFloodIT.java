package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.image.TarBuilder;
import dev.banger.vmm.ConsoleLog;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 100 MiB on one VM's console (issue 20): the Firecracker stand-in prints numbered lines at 8 MB/s
 * (several times what a guest's emulated UART carries; {@code ResourceLimitsGuestIT} does the same
 * with a real guest at its UART's pace), the daemon rotates at its default 8 MiB cap keeping two generations,
 * the bytes on disk stay within the three files' caps plus one 200 ms tick's output each, and {@code
 * banger logs -f} keeps up across all 12 rotations, losing and repeating nothing.
 */
class ConsoleFloodIT {
  private static final long CAP = 8L << 20;
  private static final long LINES = (100L << 20) / 100;

  @TempDir Path work;
  private Banger banger;

  @AfterEach
  void tearDown() throws Exception {
    banger.removeAllVms();
    banger.closeCheckingLeaks();
  }

  @Test
  void logsFollowKeepsUpWith100MibAcrossRotations() throws Exception {
    banger = Banger.withStandIn(work);
    banger.startDaemonWith(Map.of("FAKE_FC_CONSOLE_LINES", Long.toString(LINES)), "--console-log-max", "8M", "--console-log-keep", "2");
    banger.importTinyImageAndKernel(work, new TarBuilder().dir("etc").file("etc/os-release", "ID=flood\n").dir("sbin"));
    Banger.Run run = banger.run("run", "tiny", "--name", "flood");
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    Path consoleLog = Path.of((String) ((Map<?, ?>) banger.inspect("flood").get("runtime")).get("consoleLog"));
    // What the daemon's rotation keeps (--console-log-keep 2), counted as the daemon counts it.
    ConsoleLog onDisk = new ConsoleLog(consoleLog, CAP, 2);
    try (Banger.Attached follow = banger.attach("logs", "-f", "flood")) {
      long peak = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
      while (!ConsoleLines.tail(follow.stdoutFile()).contains("flood-done") && System.nanoTime() < deadline) {
        peak = Math.max(peak, onDisk.bytesOnDisk());
        Thread.sleep(50);
      }
      assertThat(ConsoleLines.tail(follow.stdoutFile())).as("logs -f reached the end").contains("flood-done");
      assertThat(follow.process().isAlive()).as("logs -f still following").isTrue();
      ConsoleLines.assertEveryLineOnceInOrder(follow.stdoutFile(), LINES);
      // Two kept generations and the live file, each at most the cap plus what arrives within one
      // 200 ms rotation tick (1.6 MB at this rate; 2 MiB allows for a late tick).
      System.out.printf("console on disk: peak %d bytes, cap %d, keep 2%n", peak, CAP);
      assertThat(peak).as("console bytes on disk").isLessThanOrEqualTo(3 * (CAP + (2L << 20)));
    }
  }
}
