package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banger.image.TarBuilder;
import dev.banger.kernel.DebianKernel;
import dev.banger.testing.Leaks;
import dev.banger.vm.CrashPoint;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pause/resume and suspend/restore (issue 16) with one real container-mode QEMU guest shared by
 * every case: a counter on the console stops while paused, a paused VM stays paused over a daemon
 * restart, a restored guest's uptime and files carry on, a corrupted state is refused, and the
 * daemon is killed before every suspend and restore step with the VM ending running or suspended
 * and nothing leaked.
 */
@Tag("guest")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SavedStateIT {
  static final List<CrashPoint> CRASHED = List.of(CrashPoint.SUSPEND_VMM_PAUSE_BEFORE, CrashPoint.SUSPEND_STATE_SAVE_BEFORE,
      CrashPoint.SUSPEND_STATE_PUBLISH_BEFORE, CrashPoint.SUSPEND_VMM_END_BEFORE, CrashPoint.SUSPEND_VMM_END_AFTER,
      CrashPoint.RESTORE_STATE_VERIFY_BEFORE, CrashPoint.RESTORE_VMM_SPAWN_BEFORE, CrashPoint.RESTORE_VMM_LOAD_BEFORE,
      CrashPoint.RESTORE_VMM_RESUME_BEFORE, CrashPoint.RESTORE_VMM_RESUME_AFTER);
  private static final Pattern TICK = Pattern.compile("tick (\\d+)");

  @TempDir static Path work;
  private GuestDaemon guests;
  private Banger banger;

  @BeforeAll
  void setUp() throws Exception {
    TarBuilder tar = new TarBuilder().dir("bin").dir("etc").dir("tmp")
        .file("bin/busybox", Files.readAllBytes(DebianKernel.busybox()), 0755)
        .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n").file("etc/group", "root:x:0:\n");
    for (String applet : List.of("sh", "echo", "cat", "sleep", "test", "sync")) {
      tar.symlink("bin/" + applet, "busybox");
    }
    Path image = work.resolve("box.tar");
    Files.write(image, tar.build());
    guests = GuestDaemon.start(work);
    banger = guests.banger();
    guests.importImage(image, "box");
    ok(banger.run("run", "box", "--name", "box", "--init", "banger", "--net", "none", "--",
        "/bin/sh", "-c", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done"));
    banger.awaitLog("box", "tick 3", 180);
  }

  @AfterAll
  void tearDown() throws Exception {
    if (guests != null) {
      guests.close();
    }
  }

  private static Banger.Run ok(Banger.Run run) {
    assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
    return run;
  }

  private int lastTick() {
    Matcher m = TICK.matcher(banger.logs("box"));
    int last = -1;
    while (m.find()) {
      last = Integer.parseInt(m.group(1));
    }
    return last;
  }

  private String state() {
    return (String) banger.inspect("box").get("state");
  }

  private double uptime() throws Exception {
    return Double.parseDouble(ok(banger.run("exec", "--timeout", "120", "box", "--", "cat", "/proc/uptime")).stdout().split(" ")[0]);
  }

  private void restartDaemon() throws Exception {
    guests.restart();
  }

  @Test
  @Order(1)
  void pausedCounterStopsAndStaysPausedOverADaemonRestart() throws Exception {
    ok(banger.run("pause", "box"));
    assertThat(state()).isEqualTo("paused");
    int frozen = lastTick();
    Thread.sleep(1500);
    assertThat(lastTick()).isEqualTo(frozen);
    restartDaemon();
    assertThat(state()).isEqualTo("paused");
    Thread.sleep(500);
    assertThat(lastTick()).isEqualTo(frozen);
    assertThat(banger.run("start", "box").stderr()).contains("paused");
    ok(banger.run("resume", "box"));
    assertThat(state()).isEqualTo("running");
    banger.awaitLog("box", "tick " + (frozen + 3), 60);
  }

  @Test
  @Order(2)
  void suspendThenStartCarriesOnAndFilesSurviveAColdBoot() throws Exception {
    ok(banger.run("exec", "--timeout", "120", "box", "--", "sh", "-c", "echo one > /before; sync"));
    double before = uptime();
    ok(banger.run("suspend", "box"));
    assertThat(state()).isEqualTo("suspended");
    assertThat(Leaks.find(banger.netns(), banger.stateDir())).as("a suspended VM holds nothing").isEmpty();
    int frozen = lastTick();
    ok(banger.run("start", "box"));
    assertThat(state()).isEqualTo("running");
    banger.awaitLog("box", "tick " + (frozen + 3), 60);
    assertThat(banger.logs("box")).doesNotContain("tick 1\n".repeat(2));
    assertThat(uptime()).isGreaterThan(before);
    ok(banger.run("exec", "box", "--", "sh", "-c", "echo two > /after; sync"));
    ok(banger.run("stop", "box"));
    ok(banger.run("start", "box"));
    assertThat(ok(banger.run("exec", "--timeout", "180", "box", "--", "cat", "/before", "/after")).stdout())
        .isEqualTo("one\ntwo\n");
    banger.awaitLog("box", "tick 3", 120);
  }

  @Test
  @Order(3)
  void aCorruptedStateIsRefusedAndStopDiscardsIt() throws Exception {
    ok(banger.run("suspend", "box"));
    Path saved = Path.of((String) ((Map<?, ?>) banger.inspect("box").get("runtime")).get("vmDir")).resolve("saved");
    try (RandomAccessFile raf = new RandomAccessFile(firstSaved(saved).toFile(), "rw")) {
      raf.seek(raf.length() / 2);
      int b = raf.read();
      raf.seek(raf.length() / 2);
      raf.write(b ^ 0xff);
    }
    Banger.Run start = banger.run("start", "box");
    assertThat(start.exitCode()).isEqualTo(1);
    assertThat(start.stderr()).contains("corrupted").contains("banger stop");
    assertThat(state()).isEqualTo("suspended");
    assertThat(Leaks.find(banger.netns(), banger.stateDir())).isEmpty();
    ok(banger.run("stop", "box"));
    assertThat(state()).isEqualTo("stopped");
    assertThat(saved).doesNotExist();
    ok(banger.run("start", "box"));
    banger.awaitLog("box", "tick 3", 120);
  }

  @Test
  @Order(4)
  void aCrashAtEverySuspendAndRestoreStepEndsRunningOrSuspended() throws Exception {
    List<String> table = new ArrayList<>();
    for (CrashPoint point : CRASHED) {
      boolean restore = point.wire().startsWith("restore.");
      if (restore && !state().equals("suspended")) {
        ok(banger.run("suspend", "box"));
      }
      if (!restore && !state().equals("running")) {
        ok(banger.run("start", "box"));
      }
      Process daemon = guests.restartCrashingAt(point.wire());
      try { // in-process: the daemon halts before it answers
        new dev.banger.api.ApiClient(banger.socket()).post("/v1/vms/box/" + (restore ? "start" : "suspend"), Map.of());
      } catch (RuntimeException expected) {
        // the connection ends with the daemon
      }
      assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).as("daemon halted at " + point.wire()).isTrue();
      guests.revive();
      String after = state();
      table.add(point.wire() + " -> " + after);
      assertThat(after).as(point.wire()).isIn("running", "suspended");
      if (after.equals("suspended")) {
        assertThat(Leaks.find(banger.netns(), banger.stateDir())).as(point.wire()).isEmpty();
      }
      // Usable afterwards: a suspended VM restores, a running one answers.
      if (after.equals("suspended")) {
        ok(banger.run("start", "box"));
      }
      int seen = lastTick();
      banger.awaitLog("box", "tick " + (seen + 2), 60);
    }
    System.out.println("saved-state crash scenarios:\n  " + String.join("\n  ", table));
  }

  /** The first saved file (the manifest aside). */
  private static Path firstSaved(Path dir) throws java.io.IOException {
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> !f.getFileName().toString().equals("manifest.json")).sorted().findFirst().orElseThrow();
    }
  }
}
