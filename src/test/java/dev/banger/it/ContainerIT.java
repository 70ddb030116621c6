package dev.banger.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.image.TarBuilder;
import dev.banger.kernel.DebianKernel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Container mode with real guests (issue 13): OCI images made with umoci, run by banger's init
 * under QEMU (software emulation here) with Debian's cloud kernel. One daemon for the class (each
 * boot is seconds of emulation); every test removes its VMs and checks that nothing leaked.
 */
@Tag("guest")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainerIT {
  /** The bridge's address in the daemon's namespace (the default subnet's first host). */
  private static final String HOST_SIDE = "172.30.0.1";

  @TempDir static Path work;
  private GuestDaemon guests;
  private Banger banger;

  @BeforeAll
  void setUp() throws Exception {
    guests = GuestDaemon.start(work, "umoci:umoci");
    banger = guests.banger();
    Path busybox = DebianKernel.busybox();
    Path images = Files.createDirectories(work.resolve("images"));
    Path app = ContainerImages.busyboxApp(images, busybox);
    Path lone = ContainerImages.staticBinary(images);
    ok(banger.run("image", "import", app.toString(), "--name", "app"));
    ok(banger.run("image", "import", lone.toString(), "--name", "lone"));
    // Image-mode images without a config: no /sbin/init at all, and an init that exits at once.
    Path noInit = images.resolve("noinit.tar");
    Files.write(noInit, new TarBuilder().dir("bin").file("bin/busybox", Files.readAllBytes(busybox), 0755)
        .symlink("bin/sh", "busybox").build());
    ok(banger.run("image", "import", noInit.toString(), "--name", "noinit"));
    Path dies = images.resolve("dies.tar");
    Files.write(dies, new TarBuilder().dir("bin").dir("sbin").file("bin/busybox", Files.readAllBytes(busybox), 0755)
        .symlink("bin/sh", "busybox").file("sbin/init", "#!/bin/sh\nexit 0\n", 0755, 0, 0).build());
    ok(banger.run("image", "import", dies.toString(), "--name", "dies"));
  }

  @AfterEach
  void noVmsAndNoLeaks() throws Exception {
    if (guests != null) {
      guests.clean();
    }
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

  /** What {@code banger inspect} prints, asked in-process (the test is about the guest, not that command). */
  private Map<String, Object> inspect(String vm) {
    return banger.inspect(vm);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> part(Map<String, Object> vm, String key) {
    return (Map<String, Object>) vm.get(key);
  }

  private Map<String, Object> awaitState(String vm, String state) throws Exception {
    return banger.awaitState(vm, state, 180);
  }

  private String awaitLog(String vm, String text) throws Exception {
    return banger.awaitLog(vm, text, 180);
  }

  @Test
  void theImagesOwnCommandServesThroughAPortForwardAndStopsWithItsStopSignal() throws Exception {
    Map<String, Object> image = JSON.std.mapFrom(ok(banger.run("image", "inspect", "app")).stdout());
    assertThat(part(image, "config")).containsEntry("cmd", List.of("/bin/httpd", "-f", "-p", "8000", "-h", "/www"))
        .containsEntry("env", List.of("GREETING=hi")).containsEntry("workingDir", "/www").containsEntry("user", "1000")
        .containsEntry("exposedPorts", List.of("8000/tcp"));
    ok(banger.run("run", "app", "--name", "web", "-p", "18090:8000"));
    assertThat(part(inspect("web"), "spec")).containsEntry("init", "banger");
    CommandResult page = null;
    long deadline = System.nanoTime() + 180_000_000_000L;
    while (System.nanoTime() < deadline) {
      page = banger.netns().runner().run(Command.of("curl", "-sS", "--max-time", "5", "http://" + HOST_SIDE + ":18090/index.html"));
      if (page.ok()) {
        break;
      }
      Thread.sleep(500);
    }
    assertThat(page.stdout()).as(page.stderr()).isEqualTo("hello from the container\n");
    // The console is the process's: no initrd or kernel boot chatter.
    String log = banger.run("logs", "web").stdout();
    assertThat(log).doesNotContain("banger-initrd").doesNotContain("Linux version").doesNotContain("\033]6502");

    ok(banger.run("stop", "web"));
    Map<String, Object> stopped = inspect("web");
    assertThat(stopped.get("state")).isEqualTo("exited");
    // httpd does not catch SIGTERM: 128 + 15, as docker reports it.
    assertThat(part(stopped, "runtime")).containsEntry("exitCode", 143).containsKey("finishedAt");
    assertThat(banger.run("ls", "-a").stdout()).contains("exited (143)");
    assertThat(banger.run("ls").stdout()).doesNotContain("web");
    ok(banger.run("rm", "web"));
  }

  @Test
  void runAttachedPrintsTheProcessOutputAndExitsWithItsCode() throws Exception {
    Banger.Run run = banger.run("run", "-a", "--rm", "app", "--name", "a1", "--net", "none", "--",
        "sh", "-c", "echo $GREETING; pwd; id -u; exit 7");
    assertThat(run.exitCode()).as(run.stderr()).isEqualTo(7);
    assertThat(run.stdout()).startsWith("hi\n/www\n1000\n");
    assertThat(JSON.std.listFrom(banger.run("ls", "-a", "--json").stdout())).as("--rm removed it").isEmpty();
  }

  @Test
  void overridesApplyAndOrphansAreReaped() throws Exception {
    Banger.Run run = banger.run("run", "-a", "--rm", "-e", "GREETING=yo", "-e", "EXTRA=1", "-w", "/made/here", "-u",
        "app:staff", "--entrypoint", "/bin/sh", "app", "--name", "o1", "--net", "none", "--", "-c",
        "echo $GREETING $EXTRA; pwd; id -u; id -g; id -G; echo $PATH; echo home=$HOME host=$HOSTNAME;"
            + " for i in $(seq 30); do (sleep 0.2 &); done; sleep 3;"
            + " echo zombies=$(grep -l '^State:.*Z' /proc/[0-9]*/status 2>/dev/null | wc -l)");
    assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
    assertThat(run.stdout().lines().limit(8)).containsExactly("yo 1", "/made/here", "1000", "50", "50",
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "home=/home/app host=o1", "zombies=0");
  }

  @Test
  void aTrappedStopSignalRunsAndWhatItWroteSurvivesARestart() throws Exception {
    ok(banger.run("run", "app", "--name", "trap", "--net", "none", "-u", "0", "--", "sh", "-c",
        "[ -f /www/stopped ] && echo \"previous: $(cat /www/stopped)\"; trap 'echo caught > /www/stopped; exit 0' TERM;"
            + " echo ready; while true; do sleep 1; done"));
    awaitLog("trap", "ready");
    ok(banger.run("stop", "trap"));
    assertThat(part(inspect("trap"), "runtime")).containsEntry("exitCode", 0);
    ok(banger.run("start", "trap"));
    assertThat(awaitLog("trap", "previous: caught")).contains("previous: caught");
    ok(banger.run("rm", "-f", "trap"));
  }

  @Test
  void stopSendsTheImagesStopSignalThenKillsAfterTheTimeout() throws Exception {
    // The image says SIGUSR1 stops it; its process exits 5 on it, and ignores SIGTERM.
    Path layout = ContainerImages.layout(Files.createDirectories(work.resolve("usr1")), "usr1",
        java.nio.file.Files.readAllBytes(work.resolve("images/app-layer.tar")), "--config.stopsignal", "SIGUSR1",
        "--config.cmd", "/bin/sh", "--config.cmd", "-c", "--config.cmd",
        "trap 'echo got-usr1; exit 5' USR1; trap '' TERM; echo ready; while true; do sleep 1; done");
    ok(banger.run("image", "import", layout.toString(), "--name", "usr1"));
    ok(banger.run("run", "usr1", "--name", "s1", "--net", "none"));
    ok(banger.run("run", "usr1", "--name", "s2", "--net", "none", "--", "/bin/sh", "-c",
        "trap '' TERM USR1; echo ready; while true; do sleep 1; done"));
    awaitLog("s1", "ready");
    awaitLog("s2", "ready");
    ok(banger.run("stop", "s1"));
    assertThat(part(inspect("s1"), "runtime")).containsEntry("exitCode", 5);
    assertThat(banger.run("logs", "s1").stdout()).contains("got-usr1");
    // Deaf to its stop signal: SIGKILL after the timeout, reported as docker does (128 + 9).
    long t0 = System.nanoTime();
    ok(banger.run("stop", "--timeout", "3", "s2"));
    assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(2_500L, 30_000L);
    Map<String, Object> killed = inspect("s2");
    assertThat(killed.get("state")).isEqualTo("exited");
    assertThat(part(killed, "runtime")).containsEntry("exitCode", 137);
    ok(banger.run("rm", "s1", "s2"));
    ok(banger.run("image", "rm", "usr1"));
  }

  @Test
  void aStaticBinaryAloneRunsAndExitsWithItsCode() throws Exception {
    Banger.Run run = banger.run("run", "-a", "--rm", "lone", "--name", "st", "--net", "none");
    assertThat(run.exitCode()).as(run.stderr()).isEqualTo(42);
    assertThat(run.stdout()).startsWith("static-ok pid=").contains(" uid=0 args=/app from-cmd\n");
  }

  @Test
  void failuresEndInErrorWithTheirReason() throws Exception {
    Banger.Run nobody = banger.run("run", "-a", "--rm", "app", "--name", "f1", "--net", "none", "-u", "nobody");
    assertThat(nobody.exitCode()).isEqualTo(127);
    assertThat(nobody.stderr()).contains("unable to find user nobody: no matching entries in passwd file");
    Banger.Run missing = banger.run("run", "-a", "--rm", "app", "--name", "f2", "--net", "none", "--", "nosuchcmd");
    assertThat(missing.exitCode()).isEqualTo(127);
    assertThat(missing.stderr()).contains("exec \"nosuchcmd\": executable file not found in $PATH");

    ok(banger.run("run", "app", "--name", "f3", "--net", "none", "--", "/no/such/file"));
    String error = String.valueOf(part(awaitState("f3", "error"), "runtime").get("lastError"));
    assertThat(error).startsWith("banger's init could not start the container's process: exec /no/such/file: No such file")
        .contains("--- last console lines ---");

    // Image mode: no /sbin/init, and an init that exits (a kernel panic), are errors too.
    ok(banger.run("run", "noinit", "--name", "n1", "--net", "none"));
    assertThat(String.valueOf(part(awaitState("n1", "error"), "runtime").get("lastError")))
        .startsWith("banger's initrd failed: /sbin/init not found on /dev/vda");
    ok(banger.run("run", "dies", "--name", "d1", "--net", "none"));
    assertThat(String.valueOf(part(awaitState("d1", "error"), "runtime").get("lastError")))
        .startsWith("the guest kernel panicked: Kernel panic - not syncing: Attempted to kill init!");
    assertThat(part(inspect("d1"), "spec")).containsEntry("init", "image");
    // --init-path reaches the kernel's init= (here: an init the image does not have).
    ok(banger.run("run", "dies", "--name", "p1", "--net", "none", "--init-path", "/sbin/elsewhere"));
    assertThat(String.valueOf(part(awaitState("p1", "error"), "runtime").get("lastError")))
        .startsWith("banger's initrd failed: /sbin/elsewhere not found on /dev/vda");
    ok(banger.run("rm", "f3", "n1", "d1", "p1"));
  }

  @Test
  void standardInputAndATerminal() throws Exception {
    try (Banger.Attached cat = banger.attach("run", "-i", "--rm", "app", "--name", "in1", "--net", "none", "--", "cat")) {
      cat.type("first line\nsecond");
      cat.endInput();
      assertThat(cat.exitCode(180)).as(cat.stderr()).isZero();
      assertThat(cat.stdout()).startsWith("first line\nsecond");
    }
    // A shell on a terminal, under script(1) as a user's terminal would be.
    String command = banger.launcher() + " run -it --rm app --name tty1 --net none sh";
    try (Banger.Attached shell = banger.attachCommand(List.of("script", "-qfec", command, "/dev/null"))) {
      shell.awaitOutput("$ ", 180);
      shell.type("echo OUT-$((6*7))\r");
      shell.awaitOutput("OUT-42", 60);
      shell.type("exit 3\r");
      assertThat(shell.exitCode(60)).as(shell.stdout()).isEqualTo(3);
    }
  }
}
