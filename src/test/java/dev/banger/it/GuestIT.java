package dev.banger.it;

import dev.banger.testing.Leaks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.banger.host.ProcessCommandRunner;
import dev.banger.image.TarBuilder;
import dev.banger.kernel.DebianKernel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real guests, end to end, as a user runs them: a busybox image, Debian's cloud kernel imported
 * from its package, VMs booted by QEMU (software emulation here) inside the test's namespace.
 * One daemon for the class; every test removes its VMs and checks that nothing leaked.
 */
@Tag("guest")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GuestIT {
  private static final String UP = "BANGER-GUEST-UP";

  @TempDir static Path work;
  private Banger banger;
  private Process daemon;

  @BeforeAll
  void setUp() throws Exception {
    assumeTrue(new ProcessCommandRunner().run(dev.banger.host.Command.of("qemu-system-x86_64", "--version")).ok(),
        "needs qemu-system-x86_64 (apt-get install qemu-system-x86)");
    Path busybox = DebianKernel.busybox();
    Path deb = DebianKernel.deb();
    banger = new Banger(work);
    banger.env("BANGER_DEFAULT_VMM", "qemu");
    banger.env("BANGER_RECONCILE_INTERVAL", "0");
    daemon = banger.startDaemon();
    // An init that reports whether its disk already holds the file a first boot leaves behind,
    // and what banger wrote before that boot. The first boot edits /etc/hostname as a user
    // might: banger writes its files only once, so the edit must survive the restart. Then it runs
    // a shell on the serial console (its stdio is /dev/console, which is ttyS0).
    String init = "#!/bin/sh\nmount -t proc proc /proc\n"
        + "if [ -f /persist ]; then echo \"" + UP + " persisted=$(cat /persist) host=$(cat /etc/hostname)\"; else echo first > /persist;"
        + " hosts=$(grep -v localhost /etc/hosts | tr '\\t' ' '); host=$(cat /etc/hostname); echo edited > /etc/hostname; sync;"
        + " echo \"" + UP + " fresh host=$host kernel=$(hostname) hosts=$hosts\"; fi\n"
        + "exec sh\n";
    TarBuilder tar = new TarBuilder().dir("bin").dir("sbin").dir("proc").dir("dev").dir("etc")
        .file("bin/busybox", Files.readAllBytes(busybox), 0755);
    for (String applet : new String[] {"sh", "mount", "cat", "echo", "sleep", "sync", "grep", "tr", "hostname"}) {
      tar.symlink("bin/" + applet, "busybox");
    }
    tar.file("sbin/init", init, 0755, 0, 0);
    Path rootfs = work.resolve("rootfs.tar");
    Files.write(rootfs, tar.build());
    assertThat(banger.run("image", "import", rootfs.toString(), "--name", "bb").exitCode()).isZero();
    Banger.Run kernel = banger.run("kernel", "import", "--from-deb", deb.toString(), "--name", "cloud", "--default");
    assertThat(kernel.exitCode()).as(kernel.stderr()).isZero();
  }

  @AfterEach
  void noVmsAndNoLeaks() throws Exception {
    if (banger != null) {
      banger.removeAllVms();
      assertThat(Leaks.find(banger.netns(), banger.stateDir())).isEmpty();
    }
  }

  @AfterAll
  void tearDown() {
    if (banger != null) {
      banger.close();
    }
  }

  private String awaitConsole(String vm, String marker) throws Exception {
    String log = banger.awaitLog(vm, marker, 120);
    return log.substring(log.lastIndexOf(marker));
  }

  @Test
  void aGuestBootsAnswersPingAndKeepsItsDiskAcrossStopAndStart() throws Exception {
    String imageBefore = imageDigest();
    Banger.Run run = banger.run("run", "bb", "--name", "g1", "--memory", "256M", "--ssh");
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    Map<String, Object> vm = JSON.std.mapFrom(banger.run("inspect", "g1").stdout());
    String ip = (String) ((Map<?, ?>) vm.get("runtime")).get("guestIp");
    // The daemon's probe and the tests' (the same code) agree on what guests run under here.
    Map<?, ?> kernel = (Map<?, ?>) JSON.std.listFrom(banger.run("kernel", "ls", "--json").stdout()).get(0);
    assertThat(((Map<?, ?>) vm.get("runtime")).get("accel"))
        .isEqualTo(dev.banger.testing.TestAccel.of(Path.of((String) kernel.get("bzImagePath"))).wire());
    assertThat(awaitConsole("g1", UP)).as("hostname and hosts written before the first boot")
        .startsWith(UP + " fresh host=g1 kernel=g1 hosts=" + ip + " g1");
    assertThat(banger.netns().runner().run(dev.banger.host.Command.of("ping", "-c", "3", "-W", "3", ip)).ok())
        .as("the guest answers ping from the bridge's side of the namespace").isTrue();

    // banger's first stage started the guest agent before the image's init: exec goes through it.
    assertThat(((Map<?, ?>) banger.inspect("g1").get("runtime")).get("access")).isEqualTo("agent");
    Banger.Run viaAgent = banger.run("exec", "g1", "--", "echo", "via-agent");
    assertThat(viaAgent.exitCode()).as(viaAgent.stderr()).isZero();
    assertThat(viaAgent.stdout()).isEqualTo("via-agent\n");
    // exec -t needs /dev/pts, which this image's init never mounts: the agent mounts it (a runtime
    // mount on this boot's devtmpfs; the image stays unwritten, checked at the end).
    assertThat(banger.run("exec", "g1", "--", "grep", "-c", "devpts", "/proc/mounts").stdout()).isEqualTo("0\n");
    String inner = "stty rows 30 cols 100; " + banger.launcher() + " exec -i -t g1 -- sh -c 'busybox tty; busybox stty size; exit 3'";
    try (Banger.Attached tty = banger.attachCommand(java.util.List.of("script", "-qfec", inner, "/dev/null"))) {
      assertThat(tty.exitCode(180)).as(tty.stdout() + tty.stderr()).isEqualTo(3);
      assertThat(tty.stdout()).contains("/dev/pts/").contains("30 100");
    }
    // This image runs no ssh server: exec --ssh says so within its timeout instead of hanging.
    long started = System.nanoTime();
    Banger.Run exec = banger.run("exec", "--ssh", "g1", "--timeout", "8", "--", "true");
    long waitedMs = (System.nanoTime() - started) / 1_000_000;
    assertThat(exec.exitCode()).isEqualTo(1);
    assertThat(exec.stderr()).contains("does not answer on port 22").contains("does the image run an ssh server?");
    assertThat(waitedMs).as("gave up after its timeout, not much later").isLessThan(25_000);

    assertThat(banger.run("stop", "--timeout", "3", "g1").exitCode()).isZero();
    assertThat(banger.run("start", "g1").exitCode()).isZero();
    assertThat(awaitConsole("g1", UP + " persisted")).as("the guest's own edit survives: setup runs before the first boot only")
        .startsWith(UP + " persisted=first host=edited");

    assertThat(banger.run("run", "bb", "--name", "g2", "--memory", "256M").exitCode()).isZero();
    assertThat(awaitConsole("g2", UP)).as("a second VM from the same image has its own disk").startsWith(UP + " fresh host=g2");

    assertThat(banger.run("rm", "-f", "g1", "g2").exitCode()).isZero();
    assertThat(JSON.std.listFrom(banger.run("ls", "-a", "--json").stdout())).isEmpty();
    assertThat(imageDigest()).as("the shared image is never written").isEqualTo(imageBefore);
  }

  private String imageDigest() throws Exception {
    Map<String, Object> image = JSON.std.mapFrom(banger.run("image", "inspect", "bb").stdout());
    byte[] bytes = Files.readAllBytes(Path.of((String) image.get("rootfsPath")));
    return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /** Types a command into the guest's shell through {@code banger console}, then detaches by ending input. */
  private void typeIntoConsole(String vm, String command, String expected) throws Exception {
    try (Banger.Attached console = banger.attach("console", vm)) {
      console.type(command + "\n");
      console.awaitOutput(expected, 120);
      console.endInput();
      assertThat(console.exitCode(60)).as(console.stderr()).isZero();
    }
  }

  @Test
  void theSerialConsoleRunsShellCommandsAlsoAfterTheDaemonRestarts() throws Exception {
    Banger.Run run = banger.run("run", "bb", "--name", "con", "--memory", "256M", "--net", "none");
    assertThat(run.exitCode()).as(run.stderr()).isZero();
    awaitConsole("con", UP);
    // The guest's tty echoes the command as typed; only the shell's answer has the computed value.
    typeIntoConsole("con", "echo CONSOLE-$((6*7))-OK", "CONSOLE-42-OK");

    banger.stop(daemon);
    daemon = banger.startDaemon();
    Map<String, Object> vm = JSON.std.mapFrom(banger.run("inspect", "con").stdout());
    assertThat(vm.get("state")).as("adopted by the new daemon").isEqualTo("running");
    typeIntoConsole("con", "echo ADOPTED-$((6*7))", "ADOPTED-42");
    assertThat(banger.logs("con")).contains("CONSOLE-42-OK").contains("ADOPTED-42");

    assertThat(banger.run("rm", "-f", "con").exitCode()).isZero();
  }
}
